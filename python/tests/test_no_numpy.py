"""Without numpy: masks are lists of tuples of bools, results lists of floats.

Runs in a child interpreter where `import numpy` fails (sys.modules['numpy'] =
None), so the pure-Python paths are the ones exercised."""
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    sys.modules["numpy"] = None          # import numpy now raises ImportError
    import spexbench
    from spexbench import _masks
    assert _masks.numpy() is None

    batches = []
    def f(masks):
        assert isinstance(masks, list) and isinstance(masks[0], tuple)
        assert len(masks[0]) == 12 and all(isinstance(b, bool) for b in masks[0])
        batches.append(len(masks))
        return [2.0 * m[0] * m[1] - m[5] + 0.25 * m[11] for m in masks]

    res = spexbench.explain(f, 12, algo="faith-banzhaf:order=2", budget=300, heldout=100)
    assert res.metrics["queries_used"] <= 300 and sum(batches) == res.metrics["queries_used"] + 100
    assert res.metrics["r2_heldout"] > 0.999999, res.metrics
    mob = res.spectrum.to_moebius()
    assert abs(mob[(0, 1)] - 2.0) < 1e-9 and abs(mob[(5,)] + 1.0) < 1e-9
    y = res.spectrum.eval([[1] * 12, [0] * 12, (True,) + (False,) * 11])
    assert isinstance(y, list) and abs(y[0] - 1.25) < 1e-9 and abs(y[1]) < 1e-9
    assert isinstance(res.spectrum.eval([0] * 12), float)
    assert list(res.spectrum.index("FSII", 2))[0] == (0, 1)
    try:
        spexbench.explain(lambda m: 1 / 0, 12, algo="faith-banzhaf:order=2", budget=300)
    except spexbench.CallbackError as e:
        assert isinstance(e.__cause__, ZeroDivisionError)
    else:
        raise AssertionError("no CallbackError")
    print("no-numpy OK")
""")


def test_pure_python_paths():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         env=dict(os.environ), timeout=300)
    assert out.returncode == 0, out.stderr
    assert "no-numpy OK" in out.stdout


def test_environment_switch_disables_numpy():
    code = "from spexbench import _masks; print(_masks.numpy())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, SPEXBENCH_NO_NUMPY="1"), timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "None"
