"""shapecheck's benchmark suite (issue 7): ``python -m benchmarks`` measures shapecheck
and Keras side by side on this machine and writes ``benchmarks/RESULTS.md``.

Inputs are generated under ``benchmarks/.cache/`` (ignored by git): the Keras configs
with Keras itself, the large specs by ``benchmarks.generate``."""
