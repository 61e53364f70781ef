"""pytest setup for the Python package tests (CTest: python_package).

CTest sets SPEXBENCH_LIBRARY (the built libspexbench.so.0), PYTHONPATH (python/),
SB_CLI (the built CLI) and SB_BUILD_DIR.  Run by hand:
  SPEXBENCH_LIBRARY=build/libspexbench.so.0 PYTHONPATH=python SB_CLI=build/spexbench \\
    SB_BUILD_DIR=build /usr/bin/python3 -m pytest -q -p no:cacheprovider python/tests"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)
if PYDIR not in sys.path:
    sys.path.insert(0, PYDIR)


def _env_path(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set (run through CTest, or see conftest.py)")
    return os.path.abspath(value)


@pytest.fixture(scope="session")
def cli():
    return _env_path("SB_CLI")


@pytest.fixture(scope="session")
def build_dir():
    return _env_path("SB_BUILD_DIR")


@pytest.fixture(scope="session")
def library():
    return _env_path("SPEXBENCH_LIBRARY")
