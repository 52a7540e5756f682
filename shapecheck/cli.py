"""``shapecheck FILE...``: exit 0 when no file has errors, 1 when one has findings
(errors, or a file that is not a valid model), 2 when the command itself failed
(a bad flag, a missing file). The commands themselves are in ``shapecheck.commands``:
``check`` (the default), ``graph``, ``explain`` and ``infer-config``; ``lsp``, the
editor's language server, is ``shapecheck.lsp``."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from .commands.common import EXIT_OK, EXIT_USAGE, clip

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

# The subcommands, by the name that selects them: ``shapecheck graph FILE``. A file
# of that name is still checked when written as a path (``./graph``).
SUBCOMMANDS = {"graph": "graph", "explain": "explain", "infer-config": "infer_config"}


def main(argv: Sequence[str] | None = None, *, exiting: bool = False) -> int:
    """Run the command line; ``exiting`` when the process ends with it (the console
    script), so the cyclic collector need not come back on for the report's objects."""
    try:
        return _main(argv, exiting)
    except BrokenPipeError:  # `shapecheck ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("shapecheck: interrupted", file=sys.stderr)
        return 130
    except OSError as e:  # the system's refusal (a full disk under the output...), not a bug of ours
        _say_os_error(e)
        return EXIT_USAGE
    except Exception as e:  # a bug of ours outside any one file: one line, no traceback
        print(f"shapecheck: internal error: {type(e).__name__}: {clip(str(e))} "
              "(this is a shapecheck bug; please report it)", file=sys.stderr)
        return EXIT_USAGE


def entry() -> NoReturn:
    """The console script and ``python -m shapecheck``: the process ends here, its
    output flushed, without Python's teardown, which frees every object one by one
    (a tenth of checking one small spec; the forked workers end the same way)."""
    code = main(exiting=True)
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the descriptor closed (`>&-`): nothing was written
            continue
        try:
            stream.flush()
        except BrokenPipeError:  # the reader left (see main)
            pass
        except (OSError, ValueError) as e:  # a full disk, a closed stream: the output is lost
            if stream is sys.stdout:
                _say_os_error(e)
            code = code or EXIT_USAGE
    os._exit(code)


def _say_os_error(e: OSError | ValueError) -> None:
    what = f"{e.filename}: " if getattr(e, "filename", None) else ""
    try:
        print(f"shapecheck: error: {what}{getattr(e, 'strerror', None) or e}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass  # nowhere left to say it: the exit code does


def _main(argv: Sequence[str] | None, exiting: bool = False) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "lsp":  # the editor's server: its own package, pygls loaded only there
        from .lsp import main as serve

        return serve(argv[1:])
    if argv and argv[0] in SUBCOMMANDS:
        return importlib.import_module(f".commands.{SUBCOMMANDS[argv[0]]}", __package__).main(argv[1:])
    from .commands import check

    return check.main(argv, exiting)
