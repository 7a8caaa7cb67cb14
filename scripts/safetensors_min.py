"""A minimal safetensors writer that follows the published format
(https://github.com/huggingface/safetensors, README "Format") and the layout choices of
the reference implementation's `serialize`:

  * 8 bytes: N, the header's byte length, unsigned 64-bit little-endian;
  * N bytes: compact UTF-8 JSON ({"__metadata__": {...}} first when given, then each
    tensor's {"dtype", "shape", "data_offsets": [begin, end]} in data order), padded
    with spaces to a multiple of 8 bytes;
  * the data buffer: tensors sorted by dtype alignment (descending), then by name
    (UTF-8 bytes), stored contiguously, little-endian, row-major.

The Python `safetensors` package cannot be installed here (no PyPI access), so rnnkit's
fixture generators write through this module; rnnkit's reader is tested on its output.
Metadata keys are written sorted (the reference uses a hash map, so any order is valid;
sorted keeps the bytes reproducible and matches rnnkit's writer).
"""
import json
import struct

import numpy as np

# The reference's Dtype enum lists dtypes in increasing alignment; the writer sorts by
# this rank, descending (only the dtypes used here).
DTYPE_RANK = ['BOOL', 'U8', 'I8', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']
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



def serialize(tensors, metadata=None):
    """tensors: name -> (dtype, shape, raw bytes). Returns the file's bytes."""
    order = sorted(tensors, key=lambda name: (-DTYPE_RANK.index(tensors[name][0]), name.encode('utf-8')))
    header = {}
    if metadata is not None:
        header['__metadata__'] = {k: metadata[k] for k in sorted(metadata, key=lambda k: k.encode('utf-8'))}
    offset = 0
    for name in order:
        dtype, shape, raw = tensors[name]
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(tensors[name][2] for name in order)



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
