"""fit(): the CLI's numbers from Python; datasets; errors."""
import json
import subprocess

import numpy as np
import pytest

import spexbench

SPEC = "fourier:n=20,k=10,degree=3,snr_db=inf,seed=5"


@pytest.mark.parametrize("algo", ["spex", "faith-banzhaf:order=2", "lasso"])
def test_fit_matches_the_cli(cli, algo):
    metrics, spectrum = spexbench.fit(SPEC, algo, 1500, seed=3, heldout=2000)
    out = subprocess.run([cli, "fit", "--dataset", SPEC, "--algo", algo, "--budget", "1500",
                          "--seed", "3", "--heldout", "2000", "--json"],
                         capture_output=True, text=True, check=True)
    ref = json.loads(out.stdout)
    assert ref["status"] == "ok"
    for key in ("queries_used", "queries_asked", "terms", "basis", "seed", "dataset", "params"):
        assert metrics[key] == ref[key], key
    for key in ("r2_heldout", "r2_exact", "precision", "recall", "rel_error"):
        assert metrics[key] == pytest.approx(ref[key], abs=1e-9), key
    assert len(spectrum) == ref["terms"]


def test_dataset_truth_and_direct_eval():
    ds = spexbench.Dataset(SPEC)
    assert ds.n == 20 and ds.name.startswith("fourier-n20")
    truth = ds.truth
    assert truth is not None and truth.basis == "fourier"
    X = np.random.default_rng(0).random((50, 20)) < 0.5
    assert np.allclose(ds.eval(X), truth.eval(X))           # snr_db=inf: no noise
    metrics, g = spexbench.fit(ds, "spex", 1500, seed=3)
    assert metrics["r2_exact"] > 0.999 and metrics["queries_used"] <= 1500


def test_errors_name_the_fault():
    with pytest.raises(spexbench.Error) as e:
        spexbench.fit(SPEC, "no-such-algo", 100)
    assert e.value.status == "invalid" and "spex" in str(e.value)
    with pytest.raises(spexbench.Error, match="kk"):
        spexbench.Dataset("fourier:n=8,kk=3")
    with pytest.raises(spexbench.Error) as e:
        spexbench.fit(SPEC, "spex", 50)                     # below SPEX's minimum
    assert e.value.status == "skipped" and "minimum" in str(e.value)
    with pytest.raises(ValueError):
        spexbench.fit(SPEC, "spex", 0)
    with pytest.raises(ValueError, match="heldout_dist"):
        spexbench.fit(SPEC, "spex", 1000, heldout_dist="normal")


def test_listings():
    assert spexbench.version() == spexbench.__version__
    algos = spexbench.algorithms()
    assert {"spex", "proxyspex", "faith-banzhaf", "kernelshap"} <= set(algos)
    assert "fourier" in spexbench.families()
