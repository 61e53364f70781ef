"""Datasets, fit() and explain(): the harness's algorithms through its oracle.

explain() turns a Python callable into a dataset whose answers come from a
ctypes callback: the library calls it with each batch of masks the oracle has
not seen (a (count, n) numpy bool array, or a list of tuples without numpy),
counts those masks against the budget, and the algorithm fits its surrogate.
An exception in the callable stops the run cleanly: the C side receives an
error status, unwinds, and fit()/explain() raise CallbackError from it."""
import ctypes
import json
import math
from typing import NamedTuple

from . import _lib, _masks
from .spectrum import Spectrum


def version():
    """Version of the loaded C library ("0.1.0")."""
    return _lib.lib().spexbench_version().decode()


def algorithms():
    """{name: one-line summary} of every registered algorithm."""
    L = _lib.lib()
    return {L.spexbench_algorithm_name(i).decode(): L.spexbench_algorithm_summary(i).decode()
            for i in range(L.spexbench_algorithm_count())}


def families():
    """{name: one-line summary} of every dataset family (spec prefixes)."""
    L = _lib.lib()
    return {L.spexbench_family_name(i).decode(): L.spexbench_family_summary(i).decode()
            for i in range(L.spexbench_family_count())}


class _CallbackState:
    """What a Python model's callback leaves behind for the caller to re-raise."""
    __slots__ = ("f", "n", "exc", "calls", "masks")

    def __init__(self, f, n):
        self.f, self.n, self.exc, self.calls, self.masks = f, n, None, 0, 0


def _write_values(values, out_ptr, count):
    np = _masks.numpy()
    if np is not None:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
        if arr.shape[0] != count:
            raise ValueError(f"the model returned {arr.shape[0]} values for a batch of {count} masks")
        np.ctypeslib.as_array(out_ptr, shape=(count,))[:] = arr
        return
    vals = list(values)
    if len(vals) != count:
        raise ValueError(f"the model returned {len(vals)} values for a batch of {count} masks")
    for j, v in enumerate(vals):
        out_ptr[j] = float(v)


def _make_callback(state):
    def trampoline(user, n, masks, count, out, err):
        # Never let an exception cross into C (ctypes would print it and return 0,
        # i.e. "success" with garbage values): record it and return an error status.
        try:
            state.calls += 1
            state.masks += count
            _write_values(state.f(_masks.unpack(masks, count, n)), out, count)
            return _lib.OK
        except BaseException as e:  # noqa: BLE001 - re-raised by the caller
            if state.exc is None:
                state.exc = e
            msg = f"the Python model raised {type(e).__name__}: {e}"
            err.contents.message = msg.encode("utf-8", "replace")[:1000]
            return _lib.EORACLE
    return _lib.EVAL_FN(trampoline)


class Dataset:
    """A dataset: Dataset("fourier:n=64,k=20,degree=3,seed=1") opens a spec (as the
    CLI's --dataset takes it); Dataset.from_function(f, n) wraps a Python model."""

    def __init__(self, spec):
        out, err = ctypes.c_void_p(), _lib.new_error()
        _lib.check(_lib.lib().spexbench_dataset_open(str(spec).encode(), ctypes.byref(out),
                                                     ctypes.byref(err)), err)
        self._h = out
        self._state = None
        self._callback = None

    @classmethod
    def from_function(cls, f, n, name="python"):
        """f(masks) -> values: masks a (count, n) bool numpy array (a list of tuples
        of bools without numpy), values any sequence of `count` finite numbers."""
        if not callable(f):
            raise TypeError("from_function: f must be callable")
        self = cls.__new__(cls)
        self._state = _CallbackState(f, int(n))
        self._callback = _make_callback(self._state)  # kept alive as long as the dataset
        out, err = ctypes.c_void_p(), _lib.new_error()
        _lib.check(_lib.lib().spexbench_dataset_from_callback(int(n), self._callback, None,
                                                              str(name).encode(), ctypes.byref(out),
                                                              ctypes.byref(err)), err)
        self._h = out
        return self

    def __del__(self):
        h = getattr(self, "_h", None)
        if h and h.value and _lib._lib is not None:
            _lib._lib.spexbench_dataset_free(h)
            self._h = None

    @property
    def n(self):
        return _lib.lib().spexbench_dataset_n(self._h)

    @property
    def name(self):
        return _lib.lib().spexbench_dataset_name(self._h).decode()

    @property
    def truth(self):
        """The exact Fourier spectrum when known (synthetic families), else None."""
        h = _lib.lib().spexbench_dataset_truth(self._h)
        return Spectrum._borrowed(h) if h else None

    def __repr__(self):
        return f"<spexbench.Dataset {self.name} n={self.n}>"

    def _call(self, fn, *args):
        """Call a C function that may run the Python model; re-raise its exception."""
        err = _lib.new_error()
        if self._state is not None:
            self._state.exc = None
        rc = fn(*args, ctypes.byref(err))
        exc = self._state.exc if self._state is not None else None
        if exc is not None:
            self._state.exc = None
            if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit
                raise exc
            raise _lib.CallbackError(rc, "oracle", err.message.decode("utf-8", "replace")) from exc
        _lib.check(rc, err)

    def eval(self, masks):
        """The dataset's answers at masks, directly (not counted, no budget)."""
        buf, count, single = _masks.pack(masks, self.n)
        out = _masks.doubles(count)
        self._call(_lib.lib().spexbench_dataset_eval, self._h, _masks.pointer(buf), count,
                   _masks.double_pointer(out))
        res = _masks.as_result(out, count)
        return float(res[0]) if single else res


class FitResult(NamedTuple):
    """metrics: the keys of `spexbench fit --json` (queries_used, r2_heldout,
    r2_exact, wall_s, phases, ...; None where unknown); spectrum: the surrogate."""
    metrics: dict
    spectrum: Spectrum


def _dataset(dataset):
    return dataset if isinstance(dataset, Dataset) else Dataset(dataset)


def fit(dataset, algo, budget, seed=1, *, heldout=10000, heldout_dist="uniform", threads=0):
    """One run of `algo` ("spex", "faith-banzhaf:order=2", ...) on `dataset` (a spec
    string or a Dataset) with `budget` distinct queries and master seed `seed`,
    exactly as `spexbench fit --seed SEED` runs it (same numbers).  Returns
    FitResult(metrics, spectrum).  Raises spexbench.Error on failure (a skipped run
    too: status "skipped", the message says why)."""
    ds = _dataset(dataset)
    if int(budget) < 1:
        raise ValueError(f"budget={budget!r}: expected a positive integer")
    if int(seed) < 0:
        raise ValueError(f"seed={seed!r}: expected an integer >= 0")
    opts = _lib.run_options(heldout, heldout_dist, threads)
    out = ctypes.c_void_p()
    ds._call(_lib.lib().spexbench_fit, ds._h, str(algo).encode(), int(budget), int(seed),
             ctypes.byref(opts), ctypes.byref(out))
    L = _lib.lib()
    try:
        metrics = json.loads(_lib.take_string(L.spexbench_result_json(out)))
        spectrum = Spectrum._borrowed(L.spexbench_result_spectrum(out))
    finally:
        L.spexbench_result_free(out)
    return FitResult(metrics, spectrum)


def explain(f, n, algo="spex", budget=None, seed=1, *, heldout=0, heldout_dist="uniform",
            name="python", threads=0):
    """Explain the Python model f over n features with a harness algorithm.

    f(masks) -> values is called with batches of masks the oracle has not seen (a
    (count, n) bool numpy array, or a list of tuples of bools without numpy); True
    keeps a feature.  At most `budget` distinct masks are asked (required).
    heldout=N also asks N held-out masks (not counted) for metrics["r2_heldout"].
    Returns FitResult(metrics, spectrum); an exception in f raises CallbackError
    (the original exception is its __cause__)."""
    if budget is None:
        raise TypeError("explain: budget= is required (distinct model queries allowed)")
    return fit(Dataset.from_function(f, n, name), algo, budget, seed, heldout=heldout,
               heldout_dist=heldout_dist, threads=threads)


def r2(y, yhat):
    """R² = 1 - Σ(y-ŷ)²/Σ(y-ȳ)² (NaN for constant y)."""
    y, yhat = [float(v) for v in y], [float(v) for v in yhat]
    if len(y) != len(yhat):
        raise ValueError("r2: y and yhat differ in length")
    mean = sum(y) / len(y) if y else math.nan
    tot = sum((v - mean) ** 2 for v in y)
    res = sum((a - b) ** 2 for a, b in zip(y, yhat))
    return 1 - res / tot if tot > 0 else math.nan
