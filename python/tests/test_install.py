"""Packaging and finding the library.

- `pip install --no-build-isolation` of a copy of python/ (never building in the
  source tree) into a venv under the build dir that sees Debian's numpy; the
  installed package then loads the library recorded at install time, with no
  SPEXBENCH_LIBRARY and no PYTHONPATH.
- A missing library is a LibraryNotFound naming what was tried, and importing
  the package (or spexbench.external) does not need the library at all."""
import os
import shutil
import subprocess
import sys

PYDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SPEXBENCH_LIBRARY", "PYTHONPATH")}
    env.update(extra)
    return env


def test_pip_install_offline_into_a_venv(build_dir, library):
    root = os.path.join(build_dir, "python-install-test")
    shutil.rmtree(root, ignore_errors=True)
    src = os.path.join(root, "src")
    shutil.copytree(PYDIR, src, ignore=shutil.ignore_patterns("tests", "build", "*.egg-info",
                                                               "__pycache__"))
    venv = os.path.join(root, "venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv],
                   check=True)
    py = os.path.join(venv, "bin", "python")
    pip = subprocess.run([py, "-m", "pip", "install", "--no-build-isolation", "--no-index",
                          "--no-deps", "--quiet", src],
                         capture_output=True, text=True, env=clean_env(SPEXBENCH_LIBRARY=library),
                         cwd=root, timeout=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    code = ("import spexbench, spexbench._build as b, os;"
            "assert spexbench.__file__.startswith(os.environ['VENV']), spexbench.__file__;"
            "m, s = spexbench.fit('fourier:n=10,k=4,degree=2,seed=1', 'exhaustive', 1024, heldout=0);"
            "print(b.LIBRARY, m['r2_exact'])")
    out = subprocess.run([py, "-c", code], capture_output=True, text=True,
                         env=clean_env(VENV=venv, PYTHONDONTWRITEBYTECODE="1"), cwd=root, timeout=300)
    assert out.returncode == 0, out.stderr
    recorded, r2 = out.stdout.split()
    assert os.path.samefile(recorded, library) and float(r2) > 0.999999


def test_missing_library_is_a_clear_error(tmp_path):
    code = ("import spexbench\n"
            "try:\n    spexbench.version()\n"
            "except spexbench.LibraryNotFound as e:\n    print('NOTFOUND', e)\n")
    bogus = str(tmp_path / "libnothere.so.0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=clean_env(SPEXBENCH_LIBRARY=bogus, PYTHONPATH=PYDIR), timeout=60)
    assert out.returncode == 0, out.stderr
    assert "NOTFOUND" in out.stdout and bogus in out.stdout and "SPEXBENCH_LIBRARY" in out.stdout


def test_import_does_not_load_the_library():
    code = "import spexbench, spexbench._lib as L; assert L._lib is None; print('lazy')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=clean_env(SPEXBENCH_LIBRARY="/nonexistent", PYTHONPATH=PYDIR), timeout=60)
    assert out.returncode == 0 and "lazy" in out.stdout, out.stderr
