"""spexbench: explain black-box models by ablation with SPEX, ProxySPEX and baselines
under equal query budgets — Python bindings (ctypes) over libspexbench.so.

    import spexbench
    metrics, spectrum = spexbench.fit("fourier:n=64,k=20,degree=3,seed=1", "spex", 3000)
    res = spexbench.explain(model, n=24, algo="spex", budget=2000)
    res.spectrum.top(5), res.spectrum.index("FSII", order=2)

The C library is found and loaded on first use (docs/PYTHON.md), not at import:
the submodule spexbench.external (the line-protocol client for `external`
algorithms) works without it."""
from ._lib import CallbackError, Error, LibraryNotFound
from .api import Dataset, FitResult, algorithms, explain, families, fit, version
from .spectrum import Spectrum

__version__ = "0.1.0"

__all__ = ["CallbackError", "Dataset", "Error", "FitResult", "LibraryNotFound", "Spectrum",
           "algorithms", "explain", "families", "fit", "version"]
