"""explain(): harness algorithms on an in-process Python model, through the oracle."""
import numpy as np
import pytest

import spexbench

N = 16


def model(X):
    """2 x1 x2 - 1.2 x3 x7 + 1.5 x0 + 0.5 x9 x10 x11 on bool masks."""
    X = X.astype(float)
    return 1.5 * X[:, 0] + 2.0 * X[:, 1] * X[:, 2] - 1.2 * X[:, 3] * X[:, 7] + \
        0.5 * X[:, 9] * X[:, 10] * X[:, 11]


class Counting:
    def __init__(self, f):
        self.f, self.batches, self.seen = f, 0, set()

    def __call__(self, X):
        assert isinstance(X, np.ndarray) and X.dtype == bool and X.shape[1] == N
        self.batches += 1
        for row in X:
            key = row.tobytes()
            assert key not in self.seen, "a mask reached the model twice"
            self.seen.add(key)
        return self.f(X)


@pytest.mark.parametrize("algo", ["spex", "faith-banzhaf:order=3", "proxyspex"])
def test_explain_recovers_the_model(algo):
    f = Counting(model)
    res = spexbench.explain(f, N, algo=algo, budget=2000)
    m = res.metrics
    assert m["queries_used"] <= 2000
    assert len(f.seen) == m["queries_used"]                 # each distinct mask once
    assert m["r2_heldout"] is None                          # heldout=0: no extra calls
    X = np.random.default_rng(7).random((1000, N)) < 0.5
    assert spexbench.api.r2(model(X), res.spectrum.eval(X)) > 0.95
    mob = res.spectrum.to_moebius()
    assert mob[(1, 2)] == pytest.approx(2.0, abs=0.15)
    assert mob[(3, 7)] == pytest.approx(-1.2, abs=0.15)
    fsii = res.spectrum.index("FSII", order=2)
    assert set(list(fsii)[:3]) == {(1, 2), (0,), (3, 7)}


def test_exception_in_the_model_is_a_clean_error():
    calls = []

    def broken(X):
        calls.append(len(X))
        raise ValueError("model exploded")
    with pytest.raises(spexbench.CallbackError) as e:
        spexbench.explain(broken, N, algo="spex", budget=2000)
    assert isinstance(e.value.__cause__, ValueError)
    assert "ValueError: model exploded" in str(e.value) and "dataset python" in str(e.value)
    assert e.value.status == "oracle" and len(calls) == 1
    # the library is still usable afterwards
    assert spexbench.explain(model, N, algo="banzhaf", budget=300).metrics["queries_used"] <= 300


def test_bad_answers_are_clean_errors():
    with pytest.raises(spexbench.CallbackError, match="returned 1 values for a batch"):
        spexbench.explain(lambda X: [0.0], N, algo="spex", budget=2000)
    with pytest.raises(spexbench.CallbackError, match="could not convert|float"):
        spexbench.explain(lambda X: ["x"] * len(X), N, algo="spex", budget=2000)

    def nan_model(X):
        y = model(X)
        y[-1] = np.nan
        return y
    with pytest.raises(spexbench.Error, match="finite") as e:
        spexbench.explain(nan_model, N, algo="spex", budget=2000, name="nanny")
    assert "dataset nanny" in str(e.value) and not isinstance(e.value, spexbench.CallbackError)


def test_keyboard_interrupt_propagates():
    def interrupted(X):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        spexbench.explain(interrupted, N, algo="spex", budget=2000)


def test_budget_is_respected_and_repeats_are_free():
    seen = []
    res = spexbench.explain(lambda X: (seen.append(len(X)), model(X))[1], N,
                            algo="faith-banzhaf:order=2", budget=400)
    assert sum(seen) == res.metrics["queries_used"] <= 400
    assert res.metrics["queries_asked"] >= res.metrics["queries_used"]


def test_heldout_r2_is_computed_on_extra_uncounted_calls():
    calls = []
    res = spexbench.explain(lambda X: (calls.append(len(X)), model(X))[1], N, algo="spex",
                            budget=2000, heldout=500)
    assert res.metrics["heldout_count"] == 500 and res.metrics["r2_heldout"] > 0.95
    assert sum(calls) == res.metrics["queries_used"] + 500
