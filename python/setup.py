"""Build step that records where libspexbench.so is (docs/PYTHON.md).

pyproject.toml holds the metadata; this file only adds one step to build_py:
it writes spexbench/_build.py with LIBRARY = the absolute path in the
SPEXBENCH_LIBRARY environment variable at build time (None when unset), so an
installed package finds the library it was built against without the variable.
"""
import os

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_record_library(build_py):
    def run(self):
        super().run()
        lib = os.environ.get("SPEXBENCH_LIBRARY")
        if lib:
            lib = os.path.abspath(lib)
            if not os.path.exists(lib):
                raise SystemExit(f"SPEXBENCH_LIBRARY={lib}: no such file")
        target = os.path.join(self.build_lib, "spexbench", "_build.py")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as fp:
            fp.write('"""Written by setup.py at build time: the library this package was built for."""\n')
            fp.write(f"LIBRARY = {lib!r}\n")


setup(cmdclass={"build_py": build_py_record_library})
