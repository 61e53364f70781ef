"""Masks between Python and the library's packed layout (include/spexbench/common.h:
feature i of a mask is bit i%64 of word i//64; a batch is count*words words).

With numpy, a batch is a (count, n) bool array; without it, a list of tuples of
n bools.  numpy is imported on first use only, and used when present (set
SPEXBENCH_NO_NUMPY=1 to force the pure-Python path, e.g. in tests)."""
import ctypes
import os
import sys

_np = False  # not yet looked up


def numpy():
    """The numpy module, or None when absent (or disabled)."""
    global _np
    if _np is False:
        _np = None
        if os.environ.get("SPEXBENCH_NO_NUMPY") != "1":
            try:
                import numpy as np
                _np = np
            except ImportError:
                pass
    return _np


def words(n):
    return (n + 63) // 64


def _check_row(row, n, j):
    if len(row) != n:
        raise ValueError(f"mask {j} has {len(row)} entries, expected n = {n}")


def pack(masks, n):
    """(buffer, count, single): the masks as packed words.  `masks` is a (count, n) or
    (n,) array of bools/0-1 values, or a sequence of such rows.  `single` is true
    for one 1-D mask.  The buffer is a ctypes array or a numpy array (keep it alive
    while the pointer is used); pointer(buffer) gives the uint64 pointer."""
    np = numpy()
    w = words(n)
    if np is not None and sys.byteorder == "little":
        a = np.asarray(masks)
        single = a.ndim == 1
        if single:
            a = a.reshape(1, -1)
        if a.ndim != 2 or a.shape[1] != n:
            raise ValueError(f"masks have shape {np.shape(masks)}, expected (count, {n}) or ({n},)")
        if a.dtype != np.bool_:
            if a.size and not np.isin(a, (0, 1)).all():
                raise ValueError("masks must hold booleans or 0/1 values")
            a = a.astype(np.bool_)
        packed = np.packbits(a, axis=1, bitorder="little")
        out = np.zeros((a.shape[0], w * 8), dtype=np.uint8)
        out[:, :packed.shape[1]] = packed
        return np.ascontiguousarray(out).view(np.uint64), a.shape[0], single
    rows = list(masks) if not isinstance(masks, (list, tuple)) else masks
    single = len(rows) > 0 and not hasattr(rows[0], "__len__")
    if single:
        rows = [rows]
    buf = (ctypes.c_uint64 * max(1, len(rows) * w))()
    for j, row in enumerate(rows):
        _check_row(row, n, j)
        for i, bit in enumerate(row):
            if bit not in (0, 1):  # True/False compare equal to 1/0
                raise ValueError(f"mask {j}: entry {i} is {bit!r}, expected a boolean or 0/1")
            if bit:
                buf[j * w + i // 64] |= 1 << (i % 64)
    return buf, len(rows), single


def pointer(buf):
    np = numpy()
    if np is not None and isinstance(buf, np.ndarray):
        return buf.ctypes.data_as(ctypes.POINTER(ctypes.c_uint64))
    return ctypes.cast(buf, ctypes.POINTER(ctypes.c_uint64))


def unpack(ptr, count, n):
    """The `count` packed masks at ptr (a POINTER(c_uint64)) as a fresh (count, n)
    bool array, or a list of tuples of bools without numpy."""
    np = numpy()
    w = words(n)
    if np is not None and sys.byteorder == "little":
        raw = np.ctypeslib.as_array(ptr, shape=(count * w,)).view(np.uint8).reshape(count, w * 8)
        return np.unpackbits(raw, axis=1, count=n, bitorder="little").astype(np.bool_)
    out = []
    for j in range(count):
        x = 0
        for k in range(w):
            x |= ptr[j * w + k] << (64 * k)
        out.append(tuple(bool((x >> i) & 1) for i in range(n)))
    return out


def doubles(count):
    """A fresh output buffer of `count` doubles (numpy array or ctypes array)."""
    np = numpy()
    if np is not None:
        return np.zeros(count, dtype=np.float64)
    return (ctypes.c_double * max(1, count))()


def double_pointer(buf):
    np = numpy()
    if np is not None and isinstance(buf, np.ndarray):
        return buf.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    return ctypes.cast(buf, ctypes.POINTER(ctypes.c_double))


def as_result(buf, count):
    """The output buffer as the caller sees it: numpy array, or a list of floats."""
    np = numpy()
    if np is not None and isinstance(buf, np.ndarray):
        return buf[:count]
    return [buf[j] for j in range(count)]
