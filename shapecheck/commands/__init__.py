"""The subcommands: ``shapecheck graph``, ``shapecheck explain``, ``shapecheck infer-config``.
Each module has ``main(argv) -> int`` with the same exit codes as the main command."""
