"""Spectrum: a sparse Fourier or Möbius spectrum owned by the C library.

Sets (spectrum terms, interactions) are tuples of ascending feature indices;
() is the empty set."""
import ctypes

from . import _lib, _masks

_BASES = {"fourier": _lib.FOURIER, "mobius": _lib.MOBIUS, "moebius": _lib.MOBIUS}
_NAMES = {_lib.FOURIER: "fourier", _lib.MOBIUS: "mobius"}


def _basis_code(basis):
    key = str(basis).lower().replace("ö", "o")
    if key not in _BASES:
        raise ValueError(f"basis={basis!r}: expected 'fourier' or 'mobius'")
    return _BASES[key]


def _members(key, n):
    try:
        members = sorted({int(i) for i in key})
    except TypeError:
        raise TypeError(f"a set is an iterable of feature indices, not {key!r}") from None
    for i in members:
        if not 0 <= i < n:
            raise ValueError(f"feature {i} is outside 0..{n - 1}")
    return members


class Spectrum:
    """f(x) = Σ_S F(S) (-1)^{|S ∩ x|} (Fourier) or Σ_{S ⊆ x} a(S) (Möbius).

    Build one with Spectrum.from_dict / from_json / load; algorithms return one
    from fit() and explain()."""

    __slots__ = ("_h", "__weakref__")

    def __init__(self, handle):
        """Take ownership of a C spexbench_spectrum* (internal; use the constructors)."""
        if not handle:
            raise ValueError("Spectrum: NULL handle")
        self._h = ctypes.c_void_p(handle)

    def __del__(self):
        h = getattr(self, "_h", None)
        if h and _lib._lib is not None:
            _lib._lib.spexbench_spectrum_free(h)
            self._h = None

    # ---- constructors ----------------------------------------------------
    @classmethod
    def _borrowed(cls, handle):
        """An owned copy of a spectrum the library lends (a result's, a dataset's)."""
        out, err = ctypes.c_void_p(), _lib.new_error()
        _lib.check(_lib.lib().spexbench_spectrum_clone(handle, ctypes.byref(out), ctypes.byref(err)), err)
        return cls(out.value)

    @classmethod
    def from_dict(cls, terms, n, basis="fourier"):
        """{set: coefficient} (sets as iterables of feature indices) over n features."""
        L = _lib.lib()
        out, err = ctypes.c_void_p(), _lib.new_error()
        _lib.check(L.spexbench_spectrum_new(_basis_code(basis), int(n), ctypes.byref(out),
                                            ctypes.byref(err)), err)
        s = cls(out.value)
        for key, value in dict(terms).items():
            m = _members(key, s.n)
            arr = (ctypes.c_size_t * max(1, len(m)))(*m)
            _lib.check(L.spexbench_spectrum_set(s._h, arr, len(m), float(value), ctypes.byref(err)), err)
        return s

    @classmethod
    def from_json(cls, text):
        """Parse the harness's JSON spectrum format (`spexbench fit --coefficients`)."""
        out, err = ctypes.c_void_p(), _lib.new_error()
        _lib.check(_lib.lib().spexbench_spectrum_from_json(text.encode("utf-8"), ctypes.byref(out),
                                                           ctypes.byref(err)), err)
        return cls(out.value)

    @classmethod
    def load(cls, path):
        out, err = ctypes.c_void_p(), _lib.new_error()
        _lib.check(_lib.lib().spexbench_spectrum_read(str(path).encode(), ctypes.byref(out),
                                                      ctypes.byref(err)), err)
        return cls(out.value)

    # ---- properties ------------------------------------------------------
    @property
    def n(self):
        return _lib.lib().spexbench_spectrum_n(self._h)

    @property
    def basis(self):
        """'fourier' or 'mobius'."""
        return _NAMES[_lib.lib().spexbench_spectrum_basis(self._h)]

    def __len__(self):
        return _lib.lib().spexbench_spectrum_size(self._h)

    def __repr__(self):
        return f"<spexbench.Spectrum {self.basis} n={self.n} terms={len(self)}>"

    def _term(self, i, buf):
        value = ctypes.c_double()
        deg = _lib.lib().spexbench_spectrum_term(self._h, i, buf, len(buf), ctypes.byref(value))
        if deg > len(buf):
            buf = (ctypes.c_size_t * deg)()
            deg = _lib.lib().spexbench_spectrum_term(self._h, i, buf, deg, ctypes.byref(value))
        return tuple(buf[:deg]), value.value

    def items(self):
        """(set, coefficient) pairs in the spectrum's order."""
        buf = (ctypes.c_size_t * 64)()
        for i in range(len(self)):
            yield self._term(i, buf)

    def to_dict(self):
        return dict(self.items())

    def __getitem__(self, key):
        m = _members(key, self.n)
        arr = (ctypes.c_size_t * max(1, len(m)))(*m)
        return _lib.lib().spexbench_spectrum_get(self._h, arr, len(m))

    # ---- evaluation ------------------------------------------------------
    def eval(self, masks):
        """f at masks: a (count, n) or (n,) array of bools/0-1, or a list of rows.
        Returns a numpy array (a list without numpy); a float for one 1-D mask."""
        buf, count, single = _masks.pack(masks, self.n)
        out = _masks.doubles(count)
        err = _lib.new_error()
        _lib.check(_lib.lib().spexbench_spectrum_eval(self._h, _masks.pointer(buf), count,
                                                      _masks.double_pointer(out), ctypes.byref(err)), err)
        res = _masks.as_result(out, count)
        return float(res[0]) if single else res

    __call__ = eval

    def top(self, k=10, include_empty=False):
        """The k terms of largest |coefficient|, descending: [(set, value), ...]."""
        k = max(0, int(k))
        idx = (ctypes.c_size_t * max(1, k))()
        got = _lib.lib().spexbench_spectrum_top(self._h, k, 1 if include_empty else 0, idx)
        buf = (ctypes.c_size_t * 64)()
        return [self._term(idx[t], buf) for t in range(got)]

    # ---- conversions -----------------------------------------------------
    def convert(self, basis, max_terms=0):
        """The same function in `basis` ('fourier' or 'mobius'); exact."""
        out, err = ctypes.c_void_p(), _lib.new_error()
        _lib.check(_lib.lib().spexbench_spectrum_convert(self._h, _basis_code(basis), int(max_terms),
                                                         ctypes.byref(out), ctypes.byref(err)), err)
        return Spectrum(out.value)

    def to_moebius(self, max_terms=0):
        return self.convert("mobius", max_terms)

    to_mobius = to_moebius

    def to_fourier(self, max_terms=0):
        return self.convert("fourier", max_terms)

    def index(self, name="FSII", order=2):
        """Interaction index values {set: value} (shapiq's names: Moebius, SII, BII,
        FSII, FBII, STII, k-SII, SV, BV), sets of size <= order, () included,
        ordered by decreasing |value|."""
        out, err = ctypes.c_void_p(), _lib.new_error()
        _lib.check(_lib.lib().spexbench_index(self._h, str(name).encode(), int(order),
                                              ctypes.byref(out), ctypes.byref(err)), err)
        values = Spectrum(out.value)
        return dict(sorted(values.items(), key=lambda kv: (-abs(kv[1]), len(kv[0]), kv[0])))

    # ---- JSON ------------------------------------------------------------
    def to_json(self):
        ptr, err = ctypes.c_void_p(), _lib.new_error()
        _lib.check(_lib.lib().spexbench_spectrum_to_json(self._h, ctypes.byref(ptr), ctypes.byref(err)), err)
        return _lib.take_string(ptr.value)

    def save(self, path):
        """Write the JSON file atomically (temp file + rename)."""
        err = _lib.new_error()
        _lib.check(_lib.lib().spexbench_spectrum_write(self._h, str(path).encode(), ctypes.byref(err)), err)
