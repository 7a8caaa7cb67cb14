"""A small safetensors reader and writer on the standard library (and torch for tensors).

The format (https://github.com/huggingface/safetensors, README "Format"):

  * 8 bytes: N, the header's byte length, unsigned 64-bit little-endian;
  * N bytes: UTF-8 JSON: {"__metadata__": {str: str}} (optional), then per tensor
    {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data buffer);
  * the data buffer: each tensor little-endian, row-major.

The writer follows the layout choices of the reference implementation's `serialize`:
compact JSON padded with spaces to a multiple of 8 bytes, the metadata first with its keys
sorted, tensors sorted by dtype alignment (descending), then by name.
"""
import ctypes
import json
import os
import struct
import sys
import tempfile

if sys.byteorder != 'little':
    raise ImportError('rnnkit_torch reads and writes safetensors on little-endian hosts only')

# The reference's Dtype enum lists dtypes in increasing alignment; the writer sorts by this rank, descending.
DTYPE_RANK = ['BOOL', 'U8', 'I8', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']


def serialize(tensors, metadata=None):
    """tensors: name -> (dtype, shape, raw little-endian bytes). Returns the file's bytes."""
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


def _torch():
    import torch
    return torch


def _dtypes():
    torch = _torch()
    return {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16,
            'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool}


def parse(data):
    """The tensors (name -> torch tensor) and metadata ({str: str}) of a file's bytes.

    Raises ValueError on a malformed file (a header past the end, offsets outside the data,
    a size that does not match the shape, an unknown dtype).
    """
    torch = _torch()
    if len(data) < 8:
        raise ValueError('not a safetensors file: shorter than its 8-byte header length')
    (n,) = struct.unpack('<Q', data[:8])
    if 8 + n > len(data):
        raise ValueError(f'not a safetensors file: its header length {n} runs past the end ({len(data)} bytes)')
    header = json.loads(data[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', None) or {}
    body = memoryview(data)[8 + n:]
    dtypes = _dtypes()
    tensors = {}
    for name, info in header.items():
        dtype = dtypes.get(info['dtype'])
        if dtype is None:
            raise ValueError(f"tensor '{name}': unsupported dtype {info['dtype']}")
        begin, end = info['data_offsets']
        shape = list(info['shape'])
        count = 1
        for d in shape:
            count *= d
        if not 0 <= begin <= end <= len(body) or end - begin != count * torch.empty((), dtype=dtype).element_size():
            raise ValueError(f"tensor '{name}': data_offsets {begin}..{end} do not hold {info['dtype']} {shape}")
        raw = bytes(body[begin:end])
        flat = torch.frombuffer(bytearray(raw), dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(shape).clone()
    return tensors, metadata


def load_file(path):
    """Reads `path`: (tensors, metadata)."""
    with open(path, 'rb') as f:
        return parse(f.read())


def to_bytes(tensors, metadata=None):
    """The file bytes of {name: torch tensor} (stored little-endian, contiguous) and {str: str} metadata."""
    codes = {v: k for k, v in _dtypes().items()}
    entries = {}
    for name, t in tensors.items():
        t = t.detach().to('cpu').contiguous()
        if t.dtype not in codes:
            raise ValueError(f"tensor '{name}': unsupported dtype {t.dtype}")
        # The tensor's own bytes (CPU, contiguous; this host is little-endian, checked below).
        entries[name] = (codes[t.dtype], list(t.shape), ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()))
    return serialize(entries, metadata)


def save_file(tensors, path, metadata=None):
    """Writes {name: torch tensor} and metadata to `path` atomically (a temporary file, then a rename)."""
    data = to_bytes(tensors, metadata)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
