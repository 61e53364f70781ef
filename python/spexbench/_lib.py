"""Finding and loading libspexbench.so, and the C prototypes (ctypes).

The library is looked up, in order (docs/PYTHON.md):
  1. the SPEXBENCH_LIBRARY environment variable (a path; when set, only it);
  2. the path recorded when the package was built (spexbench/_build.py, written
     by setup.py from SPEXBENCH_LIBRARY at `pip install` time);
  3. libspexbench.so.0 through the dynamic loader (LD_LIBRARY_PATH, the
     ld.so cache: an install into /usr/local after `ldconfig`);
  4. the libdir of `pkg-config spexbench` (an install into any prefix on
     PKG_CONFIG_PATH).
Nothing is loaded at import time: `import spexbench.external` (the line
protocol client) never needs the library.
"""
import ctypes
import os
import shutil
import subprocess
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_int,
                    c_size_t, c_uint, c_uint64, c_void_p)

SONAME = "libspexbench.so.0"
# The Python package and the C library share one version (include/spexbench/version.h).
PACKAGE_VERSION = (0, 1, 0)

OK, EINVAL, ENOMEM, EIO, EFORMAT, EBUDGET, ESKIP, EUNSUPPORTED, ENUMERIC, EORACLE, EINTR = range(11)
FOURIER, MOBIUS = 0, 1
BUDGET_NONE = ctypes.c_size_t(-1).value


class Error(Exception):
    """A spexbench call failed.  `code` is the C status, `status` its short name
    ("invalid", "budget", "skipped", "oracle", ...), str() the library's message."""

    def __init__(self, code, status, message):
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message


class CallbackError(Error):
    """The Python model function raised; the original exception is __cause__."""


class LibraryNotFound(ImportError):
    """libspexbench.so could not be loaded (the message lists where it looked)."""


for _cls in (Error, CallbackError, LibraryNotFound):
    _cls.__module__ = "spexbench"


class _CError(Structure):
    _fields_ = [("code", c_int), ("message", c_char * 1024)]


EVAL_FN = CFUNCTYPE(c_int, c_void_p, c_size_t, POINTER(c_uint64), c_size_t, POINTER(c_double),
                    POINTER(_CError))

_H = c_void_p  # every opaque handle
_E = POINTER(_CError)
_PH = POINTER(c_void_p)
# name: (restype, argtypes)
_PROTOTYPES = {
    "spexbench_version": (c_char_p, []),
    "spexbench_version_number": (c_uint, []),
    "spexbench_status_name": (c_char_p, [c_int]),
    "spexbench_free": (None, [c_void_p]),
    "spexbench_algorithm_count": (c_size_t, []),
    "spexbench_algorithm_name": (c_char_p, [c_size_t]),
    "spexbench_algorithm_summary": (c_char_p, [c_size_t]),
    "spexbench_family_count": (c_size_t, []),
    "spexbench_family_name": (c_char_p, [c_size_t]),
    "spexbench_family_summary": (c_char_p, [c_size_t]),
    # spectra
    "spexbench_spectrum_new": (c_int, [c_int, c_size_t, _PH, _E]),
    "spexbench_spectrum_from_arrays": (c_int, [c_int, c_size_t, c_size_t, POINTER(c_uint64),
                                               POINTER(c_double), _PH, _E]),
    "spexbench_spectrum_clone": (c_int, [_H, _PH, _E]),
    "spexbench_spectrum_free": (None, [_H]),
    "spexbench_spectrum_basis": (c_int, [_H]),
    "spexbench_spectrum_n": (c_size_t, [_H]),
    "spexbench_spectrum_size": (c_size_t, [_H]),
    "spexbench_spectrum_term": (c_size_t, [_H, c_size_t, POINTER(c_size_t), c_size_t,
                                           POINTER(c_double)]),
    "spexbench_spectrum_export": (None, [_H, POINTER(c_uint64), POINTER(c_double)]),
    "spexbench_spectrum_get": (c_double, [_H, POINTER(c_size_t), c_size_t]),
    "spexbench_spectrum_set": (c_int, [_H, POINTER(c_size_t), c_size_t, c_double, _E]),
    "spexbench_spectrum_eval": (c_int, [_H, POINTER(c_uint64), c_size_t, POINTER(c_double), _E]),
    "spexbench_spectrum_top": (c_size_t, [_H, c_size_t, c_int, POINTER(c_size_t)]),
    "spexbench_spectrum_convert": (c_int, [_H, c_int, c_size_t, _PH, _E]),
    "spexbench_spectrum_to_json": (c_int, [_H, POINTER(c_void_p), _E]),
    "spexbench_spectrum_from_json": (c_int, [c_char_p, _PH, _E]),
    "spexbench_spectrum_write": (c_int, [_H, c_char_p, _E]),
    "spexbench_spectrum_read": (c_int, [c_char_p, _PH, _E]),
    # datasets and oracle
    "spexbench_dataset_open": (c_int, [c_char_p, _PH, _E]),
    "spexbench_dataset_from_callback": (c_int, [c_size_t, EVAL_FN, c_void_p, c_char_p, _PH, _E]),
    "spexbench_dataset_free": (None, [_H]),
    "spexbench_dataset_n": (c_size_t, [_H]),
    "spexbench_dataset_name": (c_char_p, [_H]),
    "spexbench_dataset_truth": (c_void_p, [_H]),
    "spexbench_dataset_eval": (c_int, [_H, POINTER(c_uint64), c_size_t, POINTER(c_double), _E]),
    "spexbench_oracle_new": (c_int, [_H, c_size_t, _PH, _E]),
    "spexbench_oracle_free": (None, [_H]),
    "spexbench_oracle_query": (c_int, [_H, POINTER(c_uint64), c_size_t, POINTER(c_double), _E]),
    "spexbench_oracle_used": (c_size_t, [_H]),
    "spexbench_oracle_asked": (c_size_t, [_H]),
    "spexbench_oracle_budget": (c_size_t, [_H]),
    # runs
    "spexbench_fit": (c_int, [_H, c_char_p, c_size_t, c_uint64, c_void_p, _PH, _E]),
    "spexbench_run_algorithm": (c_int, [_H, c_char_p, c_uint64, c_void_p, _PH, _E]),
    "spexbench_run_options_init": (None, [c_void_p]),
    "spexbench_result_free": (None, [_H]),
    "spexbench_result_spectrum": (c_void_p, [_H]),
    "spexbench_result_json": (c_void_p, [_H]),
    # indices and metrics
    "spexbench_index": (c_int, [_H, c_char_p, c_size_t, _PH, _E]),
    "spexbench_r2_heldout": (c_int, [_H, _H, c_size_t, c_int, c_uint64, POINTER(c_double), _E]),
    "spexbench_r2_exact": (c_int, [_H, _H, POINTER(c_double), _E]),
}


class RunOptions(Structure):
    """spexbench_run_options (include/spexbench/run.h)."""
    _fields_ = [("struct_size", c_size_t), ("heldout", c_size_t), ("heldout_dist", c_int),
                ("threads", c_int)]


_lock = threading.Lock()
_lib = None


def _candidates():
    env = os.environ.get("SPEXBENCH_LIBRARY")
    if env:
        return [("SPEXBENCH_LIBRARY", env)]
    found = []
    try:
        from . import _build  # written by setup.py at install time
        if _build.LIBRARY:
            found.append(("the path recorded at install time", _build.LIBRARY))
    except ImportError:
        pass
    found.append(("the dynamic loader", SONAME))
    if shutil.which("pkg-config"):
        try:
            out = subprocess.run(["pkg-config", "--variable=libdir", "spexbench"],
                                 capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                found.append(("pkg-config spexbench", os.path.join(out.stdout.strip(), SONAME)))
        except (OSError, subprocess.SubprocessError):
            pass
    return found


def _declare(lib):
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def lib():
    """The loaded library (loaded and checked on first use)."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for where, path in _candidates():
            try:
                handle = ctypes.CDLL(path)
            except OSError as e:
                tried.append(f"{where}: {path}: {e}")
                continue
            try:
                _declare(handle)
            except AttributeError as e:
                tried.append(f"{where}: {path}: not the spexbench library ({e})")
                continue
            number = handle.spexbench_version_number()
            have = (number >> 16, (number >> 8) & 0xff, number & 0xff)
            if have[:2] != PACKAGE_VERSION[:2]:
                tried.append(f"{where}: {path}: library version {'.'.join(map(str, have))}, "
                             f"this package needs {PACKAGE_VERSION[0]}.{PACKAGE_VERSION[1]}.x")
                continue
            _lib = handle
            return _lib
        raise LibraryNotFound(
            "spexbench: cannot load the C library libspexbench.so.0; set SPEXBENCH_LIBRARY to "
            "its path (e.g. build/libspexbench.so.0) or install it (cmake --install). Tried:\n  "
            + "\n  ".join(tried))


def new_error():
    return _CError()


def check(rc, err):
    """Raise Error for a non-zero status, with the C message."""
    if rc != OK:
        raise Error(rc, lib().spexbench_status_name(rc).decode(),
                    err.message.decode("utf-8", "replace"))


def take_string(ptr):
    """A C string the library allocated: decoded, then freed."""
    if not ptr:
        raise MemoryError("spexbench: out of memory")
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        lib().spexbench_free(ptr)


def run_options(heldout, heldout_dist, threads):
    dists = {"uniform": 0, "sizes": 1}
    if heldout_dist not in dists:
        raise ValueError(f"heldout_dist={heldout_dist!r}: expected 'uniform' or 'sizes'")
    # Filled here, not by spexbench_run_options_init: struct_size tells a newer
    # library that this (possibly older, shorter) struct ends here.
    opts = RunOptions()
    opts.struct_size = ctypes.sizeof(RunOptions)
    opts.heldout = int(heldout)
    opts.heldout_dist = dists[heldout_dist]
    opts.threads = int(threads)
    return opts
