"""The package's version, in a module of its own so that any stage can print it without
importing the package's face (``shapecheck/__init__.py`` imports the library API)."""

__version__ = "0.1.0"
