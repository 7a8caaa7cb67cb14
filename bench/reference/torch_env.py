"""Thread setup and BLAS reporting shared by the PyTorch reference scripts of `npm run bench`.

Import this module BEFORE torch (`import torch_env` first): it sets OMP_WAIT_POLICY=passive
(unless the environment already sets it) before torch loads OpenMP.

Why: this machine has 2 cores and torch defaults to 1 thread here, so the scripts call
torch.set_num_threads(2). Debian's torch runs its GEMMs in OpenBLAS (pthreads variant),
which keeps its own pool of threads next to torch's OpenMP pool. With OpenMP's default
(active, spinning) wait policy the two pools fight over the 2 cores and the rnn workloads
ran 2-4x slower (measured here). The scripts report both pools' sizes.
"""
import ctypes
import os

os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # before torch loads OpenMP

import torch  # noqa: E402


def loaded_blas_libraries() -> list:
    """Paths of the BLAS libraries mapped into this process (after a matrix product)."""
    a = torch.randn(64, 64)
    _ = a @ a
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            return sorted({line.split()[-1] for line in maps if "blas" in line.lower() or "mkl" in line.lower()})
    except OSError:
        return []


def openblas_path(libs: list):
    """The mapped OpenBLAS file (libopenblas… rather than its libblas.so.3 alias), or None."""
    named = [lib for lib in libs if "openblas" in lib.rsplit("/", 1)[-1]]
    aliased = [lib for lib in libs if "openblas" in lib]
    return (named or aliased or [None])[0]


def openblas(libs: list):
    """The loaded OpenBLAS library through ctypes, or None."""
    path = openblas_path(libs)
    try:
        return ctypes.CDLL(path) if path else None
    except OSError:
        return None


def blas_in_use(libs: list) -> str:
    """OpenBLAS's build string and path if it is loaded, else the mapped BLAS files, else torch's BLAS_INFO."""
    library = openblas(libs)
    if library is not None and hasattr(library, "openblas_get_config"):
        library.openblas_get_config.restype = ctypes.c_char_p
        return f"{library.openblas_get_config().decode().strip()} ({openblas_path(libs)})"
    if libs:
        return ", ".join(libs)
    info = [part.strip() for part in torch.__config__.show().split(",") if "BLAS_INFO" in part]
    return info[0] if info else "unknown"


def blas_threads(libs: list):
    """OpenBLAS's own thread count (openblas_get_num_threads), or None if not OpenBLAS."""
    library = openblas(libs)
    return library.openblas_get_num_threads() if library is not None else None


def environment() -> dict:
    """The fields every reference script reports: torch version, BLAS, both thread pools, wait policy."""
    libs = loaded_blas_libraries()
    return {
        "torch": torch.__version__,
        "blas": blas_in_use(libs),
        "threads": torch.get_num_threads(),
        "blas_threads": blas_threads(libs),
        "omp_wait_policy": os.environ["OMP_WAIT_POLICY"],
    }
