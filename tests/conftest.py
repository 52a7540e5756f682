"""Shared pytest configuration for the shapecheck test suite."""

import os
import sys

# Test helper modules (keras_oracle, strategies, differential) live next to the
# tests; make them importable whatever pytest's import mode is.
_TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "keras: differential tests against a real Keras 3 install (deselect with -m 'not keras')",
    )
