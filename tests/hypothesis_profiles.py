"""Hypothesis profiles: one verdict per commit in CI, random exploration on demand.

- ``ci`` (chosen when ``CI`` is set, as ``.ci/run`` does): derandomized, so the same
  commit draws the same examples on every machine and a green CI can't turn red on a
  case nobody touched. No example database either: what a previous run found must
  not change this one's verdict.
- ``dev`` (the default elsewhere): random, with the local example database, as
  hypothesis normally runs; a failure found once is replayed first next time.
- ``explore``: random, no database, and every generated-test budget multiplied by
  ``SHAPECHECK_EXPLORE_SCALE`` (20 unless set). A long run to look for new
  counterexamples; each one found becomes an ``@example`` or a table row, so the ``ci``
  profile keeps it for good.

``SHAPECHECK_HYPOTHESIS_PROFILE=<name>`` picks a profile explicitly, e.g.
``SHAPECHECK_HYPOTHESIS_PROFILE=explore python -m pytest tests/test_differential_*.py``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Timing is the one thing a derandomized run still does not fix; never let it decide.
_QUIET = [HealthCheck.too_slow]

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=_QUIET)
settings.register_profile("dev", deadline=None)
settings.register_profile("explore", derandomize=False, database=None, deadline=None, print_blob=True,
                          suppress_health_check=_QUIET)


def chosen() -> str:
    name = os.environ.get("SHAPECHECK_HYPOTHESIS_PROFILE")
    if name:
        return name
    return "ci" if os.environ.get("CI") else "dev"


PROFILE = chosen()
settings.load_profile(PROFILE)


def examples(default: int, env: str | None = None) -> int:
    """The number of examples a generated test draws: ``default``, or the module's own
    override ``env`` (e.g. ``SHAPECHECK_CONV_EXAMPLES``), times the exploration scale
    under the ``explore`` profile."""
    n = int(os.environ.get(env, default)) if env else default
    if PROFILE == "explore":
        n *= int(os.environ.get("SHAPECHECK_EXPLORE_SCALE", "20"))
    return n
