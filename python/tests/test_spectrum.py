"""Spectrum: construction, evaluation, top-k, conversions, indices, JSON."""
import json
import math

import numpy as np
import pytest

import spexbench
from spexbench import Spectrum

# f(x) = 1 + 2 x0 - 3 x1 x69 (Möbius), n = 70: two words per mask
TERMS = {(): 1.0, (0,): 2.0, (1, 69): -3.0}


def masks_70(rows):
    X = np.zeros((len(rows), 70), dtype=bool)
    for j, row in enumerate(rows):
        X[j, list(row)] = True
    return X


def test_from_dict_eval_and_items():
    s = Spectrum.from_dict(TERMS, 70, basis="mobius")
    assert (len(s), s.n, s.basis) == (3, 70, "mobius")
    assert s.to_dict() == TERMS
    assert s[(69, 1)] == -3.0 and s[[5]] == 0.0
    X = masks_70([(), (0,), (0, 1, 69), (1, 69)])
    assert np.allclose(s.eval(X), [1, 3, 0, -2])
    assert s.eval(X[2]) == pytest.approx(0.0)       # one 1-D mask: a float
    assert np.allclose(s.eval(X.astype(int)), [1, 3, 0, -2])  # 0/1 integers too
    assert s.top(2) == [((1, 69), -3.0), ((0,), 2.0)]
    assert s.top(5, include_empty=True)[2] == ((), 1.0)


def test_conversions_preserve_the_function():
    s = Spectrum.from_dict(TERMS, 70, basis="mobius")
    f = s.to_fourier()
    assert f.basis == "fourier" and len(f) == 5   # ∅, {0}, {1}, {69}, {1, 69}
    X = np.random.default_rng(1).random((200, 70)) < 0.5
    assert np.allclose(f.eval(X), s.eval(X))
    back = f.to_moebius()
    assert back.basis == "mobius"
    assert {k: round(v, 12) for k, v in back.items()} == TERMS


def test_index_fsii_and_sv():
    s = Spectrum.from_dict({(): 0.5, (0, 1): 2.0, (2,): -1.0}, 4, basis="mobius")
    sv = s.index("SV")
    assert sv[(0,)] == pytest.approx(1.0) and sv[(1,)] == pytest.approx(1.0)
    assert sv[(2,)] == pytest.approx(-1.0)
    assert sum(v for k, v in sv.items() if len(k) == 1) == pytest.approx(1.0)  # f(all) - f(∅)
    fsii = s.index("FSII", order=2)
    assert next(iter(fsii)) == (0, 1) and fsii[(0, 1)] == pytest.approx(2.0)
    with pytest.raises(spexbench.Error) as e:
        s.index("Shapley", 2)
    assert e.value.status == "invalid" and "FSII" in str(e.value)


def test_json_round_trip_and_files(tmp_path):
    s = Spectrum.from_dict(TERMS, 70, basis="mobius")
    text = s.to_json()
    assert json.loads(text)["basis"] == "mobius"
    assert Spectrum.from_json(text).to_dict() == TERMS
    path = tmp_path / "s.json"
    s.save(path)
    assert Spectrum.load(path).to_dict() == TERMS
    with pytest.raises(spexbench.Error) as e:
        Spectrum.load(tmp_path / "missing.json")
    assert "missing.json" in str(e.value)
    with pytest.raises(spexbench.Error) as e:
        Spectrum.from_json('{"basis": "fourier", "n": 3, "terms": [{"set": [7], "value": 1}]}')
    assert e.value.status == "format"


def test_bad_arguments_are_clean_errors():
    with pytest.raises(ValueError, match="outside"):
        Spectrum.from_dict({(3,): 1.0}, 3)
    with pytest.raises(ValueError, match="basis"):
        Spectrum.from_dict({}, 3, basis="walsh")
    with pytest.raises(spexbench.Error, match="n = 0"):
        Spectrum.from_dict({}, 0)
    s = Spectrum.from_dict({(0,): 1.0}, 3)
    with pytest.raises(ValueError, match="shape"):
        s.eval(np.zeros((2, 4), dtype=bool))
    with pytest.raises(ValueError, match="0/1"):
        s.eval([[0, 2, 1]])
    assert math.isclose(s.eval([[1, 0, 0], [0, 0, 0]])[0], -1.0)
