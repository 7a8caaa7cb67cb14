"""numpy front end of rnnkit_torch's safetensors writer (python/rnnkit_torch/safetensors.py, which
follows the published format and the reference implementation's layout choices), for the
fixture generators.

The Python `safetensors` package cannot be installed here (no PyPI access), so rnnkit's
fixture generators write through this module; rnnkit's reader is tested on its output.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'python'))
from rnnkit_torch.safetensors import serialize  # noqa: E402,F401  (re-exported for the generators)

NUMPY_DTYPE = {
    'BOOL': '|b1', 'U8': '|u1', 'I8': '|i1', 'I16': '<i2', 'U16': '<u2', 'F16': '<f2',
    'I32': '<i4', 'U32': '<u4', 'F32': '<f4', 'F64': '<f8', 'I64': '<i8', 'U64': '<u8',
}


def bfloat16_bits(values):
    """bfloat16 bit patterns of float32 values: round to nearest even, NaN -> 0x7FC0 (PyTorch's rule)."""
    f = np.asarray(values, dtype='<f4')
    u = f.view('<u4').astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return np.where(np.isnan(f), np.uint64(0x7FC0) | ((u >> 16) & 0x8000), rounded).astype('<u2')


_NUMPY_TO_DTYPE = {np.dtype(v): k for k, v in NUMPY_DTYPE.items()}


def save_file(tensors, path, metadata=None):
    """Writes {name: numpy array} and optional {str: str} metadata to `path`."""
    entries = {}
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        dtype = _NUMPY_TO_DTYPE[array.dtype.newbyteorder('<') if array.dtype.byteorder == '>' else array.dtype]
        entries[name] = (dtype, array.shape, array.astype(NUMPY_DTYPE[dtype], copy=False).tobytes())
    with open(path, 'wb') as f:
        f.write(serialize(entries, metadata))
