#!/usr/bin/python3
"""Writes the safetensors fixtures that test/io/safetensors.test.ts reads.

Run from anywhere:  /usr/bin/python3 scripts/gen_safetensors_fixtures.py
Needs only the standard library and numpy.

The Python `safetensors` package is not available where this was written (PyPI is
unreachable), so the files are written by scripts/safetensors_min.py, a minimal writer
that follows the published format and the reference implementation's layout.

Outputs, in test/fixtures/safetensors/:
  floats.safetensors    F32, F16, BF16 and F64 tensors (a scalar [] and an empty [0, 3]
                        among them: special values, subnormals, rounding cases) + metadata
  integers.safetensors  I8, U8, I16, U16, I32, U32, I64, U64 and BOOL tensors whose values
                        float32 holds exactly
  f32_only.safetensors  F32 tensors only, with names whose UTF-16 and UTF-8 orders differ;
                        rnnkit's writer must reproduce this file byte for byte
  expected.json         for each file: its metadata and, per tensor, dtype, shape and the
                        values as float32 numbers (row-major; "NaN", "Infinity",
                        "-Infinity" and "-0" as strings, since JSON has no such numbers)
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_min import NUMPY_DTYPE, bfloat16_bits, serialize  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'safetensors')

def encode(dtype, shape, values):
    """(raw little-endian bytes, float32 values the reader must return) of one tensor."""
    if dtype == 'BF16':
        bits = bfloat16_bits(np.asarray(values, dtype=np.float64).astype('<f4')).reshape(shape)
        as_f32 = (bits.astype('<u4') << 16).view('<f4')
        return bits.tobytes(), as_f32
    array = np.asarray(values, dtype=NUMPY_DTYPE[dtype]).reshape(shape)
    with np.errstate(over='ignore'):  # F64 beyond float32's range becomes ±inf, as intended
        return array.tobytes(), array.astype('<f4')


def json_number(x):
    x = float(x)
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    if x == 0 and math.copysign(1, x) < 0:
        return '-0'
    return x


def build(spec, metadata):
    """spec: list of (name, dtype, shape, values). Returns (file bytes, expected entry)."""
    tensors = {}
    expected = {}
    for name, dtype, shape, values in spec:
        raw, as_f32 = encode(dtype, shape, values)
        tensors[name] = (dtype, shape, raw)
        expected[name] = {'dtype': dtype, 'shape': list(shape), 'values': [json_number(v) for v in as_f32.reshape(-1)]}
    return serialize(tensors, metadata), {'metadata': metadata or {}, 'tensors': expected}


inf, nan = float('inf'), float('nan')

FLOATS = [
    ('weight_f32', 'F32', (2, 3), [1.0, -0.0, math.pi, 1e-45, -3.4028234663852886e38, 0.1]),
    ('half', 'F16', (3, 4), [0.0, -0.0, 1.0, -2.0, 65504.0, 6.103515625e-05, 5.960464477539063e-08,
                             -1.1920928955078125e-07, inf, -inf, nan, 1 / 3]),
    ('brain', 'BF16', (2, 2, 2), [1.0, -0.0, math.pi, 1e-40, inf, -inf, nan, -1e38]),
    ('double', 'F64', (2, 4), [1 / 3, 0.1, 1e-50, 1e-40, 1e300, -1e300, 1 + 2 ** -24, 1 + 3 * 2 ** -24]),
    ('scalar', 'F64', (), [42.5]),
    ('empty', 'F32', (0, 3), []),
    ('layer.0.bias', 'F16', (2,), [0.5, -0.25]),
]
FLOATS_METADATA = {'format': 'pt', 'rnnkit': '{"version":1}', 'größe': 'ünïcödé ✓'}

INTEGERS = [
    ('i8', 'I8', (4,), [-128, -1, 0, 127]),
    ('u8', 'U8', (3,), [0, 128, 255]),
    ('i16', 'I16', (2,), [-32768, 32767]),
    ('u16', 'U16', (2,), [0, 65535]),
    ('i32', 'I32', (3,), [-16777216, 16777216, 2 ** 30]),
    ('u32', 'U32', (2,), [4294967040, 7]),
    ('i64', 'I64', (3,), [-(2 ** 40), 2 ** 62, -5]),
    ('num_batches_tracked', 'I64', (), [1234]),
    ('u64', 'U64', (2,), [2 ** 63, 0]),
    ('mask', 'BOOL', (2, 2), [True, False, False, True]),
]

# Names ordered differently by UTF-16 code units (JavaScript's default sort) and by
# code points / UTF-8 bytes (the reference): U+1F600 vs U+FFFD; plus ASCII cases.
F32_ONLY = [
    ('b', 'F32', (2,), [1.5, -2.5]),
    ('a.weight', 'F32', (2, 2), [0.25, 0.5, 0.75, 1.0]),
    ('\U0001F600', 'F32', (1,), [3.0]),
    ('\uFFFD', 'F32', (), [4.0]),
    ('Z', 'F32', (0,), []),
    ('é', 'F32', (3,), [5.0, 6.0, 7.0]),
]
F32_ONLY_METADATA = {'b': '2', 'a': '1', 'format': 'pt'}


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    for filename, spec, metadata in [
        ('floats.safetensors', FLOATS, FLOATS_METADATA),
        ('integers.safetensors', INTEGERS, None),
        ('f32_only.safetensors', F32_ONLY, F32_ONLY_METADATA),
    ]:
        data, expected[filename] = build(spec, metadata)
        with open(os.path.join(OUT, filename), 'wb') as f:
            f.write(data)
    with open(os.path.join(OUT, 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write('\n')
    print(f'wrote {len(expected)} fixtures and expected.json to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
