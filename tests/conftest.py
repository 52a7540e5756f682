"""Shared pytest configuration for the shapecheck test suite."""

import os
import sys

import pytest

# TensorFlow's oneDNN kernels intermittently corrupt memory on some einsum equations
# (seen with EinsumDense's `...` forms); the reference kernels are fast enough for the
# models the tests build. Set before anything imports TensorFlow.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# Which Keras tf.keras is, the suite decides for each test (its oracles set it for their
# own processes); a developer's shell that makes tf.keras tf_keras would change it.
os.environ.pop("TF_USE_LEGACY_KERAS", None)

# Test helper modules (keras_oracle, strategies, differential) live next to the
# tests; make them importable whatever pytest's import mode is.
_TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

# Before any test module builds its settings: they inherit the profile loaded here.
import hypothesis_profiles  # noqa: E402,F401

if os.environ.get("CI"):
    # In CI every optional test dependency is installed by the test extra: a module that
    # fails to import is a missing install step, which a skip would hide.
    _importorskip = pytest.importorskip

    def _must_import(modname: str, *args, **kwargs):
        try:
            return _importorskip(modname, *args, **kwargs)
        except pytest.skip.Exception as e:
            pytest.fail(f"CI: {modname} must be importable (add it to the test extra): {e}",
                        pytrace=False)

    pytest.importorskip = _must_import


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """Small real Keras models saved in every file format (tests/keras_corpus.py).
    Built once per session (about 10 s); the tf_keras part only if tf_keras imports."""
    pytest.importorskip("keras")
    import keras_corpus

    return keras_corpus.build_corpus(tmp_path_factory.mktemp("keras_corpus"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "keras: differential tests against a real Keras 3 install (deselect with -m 'not keras')",
    )
