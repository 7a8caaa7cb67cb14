import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FormatError, ShapeError, UsageError } from '../../src/errors.js';
import { decodeBfloat16, decodeFloat16, float16ToNumber } from '../../src/io/half.js';
import { compareCodePoints, readSafetensors, safetensorsMetadata, writeSafetensors } from '../../src/io/safetensors.js';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';
import { assertIdentical } from '../helpers/allclose.js';

const FIXTURES = new URL('../fixtures/safetensors/', import.meta.url);

interface ExpectedFile {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
}
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as Record<string, ExpectedFile>;

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

/** Expected values as numbers ("NaN", "Infinity", "-Infinity" and "-0" are strings in JSON). */
function numbers(values: (number | string)[]): number[] {
  return values.map((v) => (v === '-0' ? -0 : Number(v)));
}

const encoder = new TextEncoder();

/**
 * A file from its parts: the 8-byte size field (the header's real length unless `size`
 * is given), the header (a string, or raw bytes) and `data` (bytes, or a zero-filled length).
 */
function file(header: string | Uint8Array, data: Uint8Array | number = 0, size?: bigint): Uint8Array {
  const h = typeof header === 'string' ? encoder.encode(header) : header;
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, size ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

/** A header with the given tensor entries (name → [dtype, shape, [begin, end]]). */
function header(entries: Record<string, [unknown, unknown, unknown]>, extra = ''): string {
  const parts = Object.entries(entries).map(
    ([name, [dtype, shape, offsets]]) => `${JSON.stringify(name)}:${JSON.stringify({ dtype, shape, data_offsets: offsets })}`,
  );
  if (extra) parts.unshift(extra);
  return `{${parts.join(',')}}`;
}

function rejects(bytes: Uint8Array, message: RegExp): void {
  assert.throws(
    () => readSafetensors(bytes),
    (error: unknown) => {
      assert.ok(error instanceof FormatError, `expected a FormatError, got ${String(error)}`);
      assert.match(error.message, message);
      return true;
    },
  );
}

/** Little-endian float32 bytes of values. */
function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

describe('safetensors round trip', () => {
  it('writes and reads tensors bit for bit, with metadata as a non-enumerable property', () => {
    const tensors: Record<string, Tensor> = {
      weight_ih_l0: tensor([4, 3], [1, -2, 3.5, 0.1, -0, Infinity, -Infinity, NaN, 1e-45, 3.4e38, -7, 8]),
      bias_ih_l0: tensor([4], [0.5, 0.25, -0.125, 2]),
      step: tensor([], [42]),
      nothing: tensor([0, 3]),
    };
    const metadata = { format: 'pt', config: '{"hiddenSize":1}' };
    const dict = readSafetensors(writeSafetensors(tensors, metadata));

    assert.deepEqual(Object.keys(dict).sort(), Object.keys(tensors).sort(), 'Object.keys lists only tensors');
    for (const [name, t] of Object.entries(tensors)) {
      assert.deepEqual(dict[name].shape, t.shape, `${name} shape`);
      assert.ok(dict[name].data instanceof Float32Array, `${name} is float32`);
      assertIdentical(name, dict[name].data, t.data);
    }
    const property = Object.getOwnPropertyDescriptor(dict, '__metadata__');
    assert.ok(property !== undefined && property.enumerable === false, '__metadata__ is an own non-enumerable property');
    assert.deepEqual(property.value, metadata);
    assert.deepEqual(safetensorsMetadata(dict), metadata);
    assert.ok(!JSON.stringify(dict).includes('__metadata__'), 'JSON.stringify skips the metadata');
    assert.deepEqual(safetensorsMetadata({ ...dict }), {}, 'a spread copy has no metadata');
  });

  it('gives empty metadata when the file has none, and for objects not read from a file', () => {
    const dict = readSafetensors(writeSafetensors({ a: tensor([1], [1]) }));
    assert.deepEqual(safetensorsMetadata(dict), {});
    assert.equal(Object.getOwnPropertyDescriptor(dict, '__metadata__')?.enumerable, false);
    assert.deepEqual(safetensorsMetadata({ a: tensor([1], [1]) }), {});
  });

  it('copies data out of the file, so later changes to the bytes do not show', () => {
    const bytes = writeSafetensors({ a: tensor([2], [1, 2]) });
    const dict = readSafetensors(bytes);
    bytes.fill(0, bytes.length - 8);
    assert.deepEqual(Array.from(dict['a'].data), [1, 2]);
  });

  it('reads a file that sits at an odd offset inside a larger buffer', () => {
    const bytes = writeSafetensors({ a: tensor([3], [1.5, -2.5, 3.5]) }, { k: 'v' });
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 1);
    const dict = readSafetensors(big.subarray(1, 1 + bytes.length));
    assert.deepEqual(Array.from(dict['a'].data), [1.5, -2.5, 3.5]);
    assert.deepEqual(safetensorsMetadata(dict), { k: 'v' });
  });

  it('keeps names and metadata keys such as "__proto__" as ordinary entries', () => {
    const tensors: Record<string, Tensor> = {};
    Object.defineProperty(tensors, '__proto__', { value: tensor([1], [7]), enumerable: true });
    const metadata: Record<string, string> = {};
    Object.defineProperty(metadata, '__proto__', { value: 'x', enumerable: true });
    const dict = readSafetensors(writeSafetensors(tensors, metadata));
    assert.deepEqual(Object.keys(dict), ['__proto__']);
    assert.equal(Object.getPrototypeOf(dict), Object.prototype);
    assert.deepEqual(Array.from((Object.getOwnPropertyDescriptor(dict, '__proto__')?.value as Tensor).data), [7]);
    assert.equal(Object.getOwnPropertyDescriptor(safetensorsMetadata(dict), '__proto__')?.value, 'x');
  });

  it('accepts a null __metadata__ (as the reference does) and header whitespace', () => {
    const dict = readSafetensors(file(` {"__metadata__":null,"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}\n `, f32Bytes([2])));
    assert.deepEqual(safetensorsMetadata(dict), {});
    assert.deepEqual(Array.from(dict['a'].data), [2]);
  });
});

describe('safetensors byte layout', () => {
  const decoder = new TextDecoder();
  const headerOf = (bytes: Uint8Array): string => {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    return decoder.decode(bytes.subarray(8, 8 + n));
  };

  it('matches the reference serializer on one F32 tensor whose header needs no padding', () => {
    const out = writeSafetensors({ 'attn.0': tensor([1, 2, 3], [0, 1, 2, 3, 4, 5]) });
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    assert.equal(json.length, 64);
    assert.deepEqual(out, file(json, f32Bytes([0, 1, 2, 3, 4, 5])));
  });

  it('pads the header with spaces so that the data starts 8-byte aligned', () => {
    const out = writeSafetensors({ attn0: tensor([1, 1, 2, 3], [0, 1, 2, 3, 4, 5]) });
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    assert.equal(json.length, 65);
    assert.deepEqual(out, file(`${json}       `, f32Bytes([0, 1, 2, 3, 4, 5])));
    assert.equal(new DataView(out.buffer).getBigUint64(0, true), 72n);
  });

  it('writes an empty file as "{}" plus padding, and metadata first', () => {
    assert.deepEqual(writeSafetensors({}), file('{}      '));
    assert.deepEqual(writeSafetensors({}, { framework: 'pt' }), file('{"__metadata__":{"framework":"pt"}}     '));
    assert.equal(writeSafetensors({}, { framework: 'pt' }).length, 48);
  });

  it('lays tensors out contiguously in name order with offsets relative to the data buffer', () => {
    const tensors = { c: tensor([2, 2], [1, 2, 3, 4]), a: tensor([3], [5, 6, 7]), b: tensor([]), e: tensor([0]) };
    const out = writeSafetensors(tensors, { z: '1', a: '2' });
    const n = Number(new DataView(out.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0, 'header length is a multiple of 8');
    const text = headerOf(out);
    const trimmed = text.trimEnd();
    assert.ok(/^ *$/.test(text.slice(trimmed.length)), 'padding is spaces');
    assert.ok(text.length - trimmed.length < 8, 'at most 7 spaces of padding');
    assert.equal(
      trimmed,
      '{"__metadata__":{"a":"2","z":"1"},' +
        '"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},' +
        '"b":{"dtype":"F32","shape":[],"data_offsets":[12,16]},' +
        '"c":{"dtype":"F32","shape":[2,2],"data_offsets":[16,32]},' +
        '"e":{"dtype":"F32","shape":[0],"data_offsets":[32,32]}}',
    );
    assert.equal(out.length, 8 + n + 32);
    assert.deepEqual(out.subarray(8 + n), f32Bytes([5, 6, 7, 0, 1, 2, 3, 4]));
  });

  it('sorts names by code point (UTF-8 byte order), not by UTF-16 code unit', () => {
    assert.ok(compareCodePoints('\uFFFD', '\u{1F600}') < 0);
    assert.ok('\uFFFD' > '\u{1F600}', "JavaScript's default order differs");
    assert.ok(compareCodePoints('a', 'b') < 0 && compareCodePoints('ab', 'a') > 0 && compareCodePoints('x', 'x') === 0);
    assert.ok(compareCodePoints('Z', 'a') < 0 && compareCodePoints('é', '\uFFFD') < 0);
    const names = Object.keys(readSafetensors(writeSafetensors({ '\u{1F600}': tensor([1]), '\uFFFD': tensor([1]) })));
    assert.deepEqual(names, ['\uFFFD', '\u{1F600}'], 'written (and so read back) in code-point order');
  });

  it("reproduces the Python writer's file byte for byte", () => {
    const want = fixture('f32_only.safetensors');
    const spec = expected['f32_only.safetensors'];
    const tensors: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(spec.tensors)) tensors[name] = tensor(t.shape, numbers(t.values));
    assert.deepEqual(writeSafetensors(tensors, spec.metadata), want);
    const dict = readSafetensors(want);
    assert.deepEqual(writeSafetensors(dict, safetensorsMetadata(dict)), want, 'read then written again');
  });
});

describe('safetensors files written by Python (numpy)', () => {
  for (const name of ['floats.safetensors', 'integers.safetensors', 'f32_only.safetensors']) {
    it(`reads every tensor of ${name} as the float32 values numpy gives`, () => {
      const spec = expected[name];
      const dict = readSafetensors(fixture(name));
      assert.deepEqual(Object.keys(dict).sort(), Object.keys(spec.tensors).sort());
      for (const [tensorName, want] of Object.entries(spec.tensors)) {
        const got = dict[tensorName];
        assert.deepEqual(got.shape, want.shape, `${tensorName} (${want.dtype}) shape`);
        assertIdentical(`${tensorName} (${want.dtype})`, got.data, numbers(want.values));
      }
      assert.deepEqual(safetensorsMetadata(dict), spec.metadata);
    });
  }

  it('covers the dtypes, the scalar and the empty tensor it is meant to', () => {
    const floats = expected['floats.safetensors'].tensors;
    assert.deepEqual(new Set(Object.values(floats).map((t) => t.dtype)), new Set(['F32', 'F16', 'BF16', 'F64']));
    assert.deepEqual(floats['scalar'].shape, []);
    assert.deepEqual(floats['empty'].shape, [0, 3]);
    assert.equal(readSafetensors(fixture('floats.safetensors'))['scalar'].data.length, 1);
  });
});

describe('float16 and bfloat16', () => {
  it('decodes float16 zeros, subnormals, normals, extremes, infinities and NaN', () => {
    const cases: [number, number][] = [
      [0x0000, 0],
      [0x8000, -0],
      [0x0001, 2 ** -24],
      [0x03ff, 1023 * 2 ** -24],
      [0x0400, 2 ** -14],
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x7bff, 65504],
      [0xfbff, -65504],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    for (const [bits, value] of cases) assert.ok(Object.is(float16ToNumber(bits), value), `0x${bits.toString(16)} → ${value}`);
    assert.ok(Number.isNaN(float16ToNumber(0x7e00)) && Number.isNaN(float16ToNumber(0xfc01)));
  });

  it('decodes all 65,536 float16 patterns to the same values, keeping NaN sign and payload', () => {
    const source = new DataView(new ArrayBuffer(2 * 65536));
    for (let b = 0; b < 65536; b++) source.setUint16(2 * b, b, true);
    const out = new Float32Array(65536);
    decodeFloat16(source, 0, 65536, out);
    const bits = new Uint32Array(out.buffer);
    for (let b = 0; b < 65536; b++) {
      const want = float16ToNumber(b);
      if (Number.isNaN(want)) {
        assert.equal(bits[b], (((b & 0x8000) << 16) | 0x7f800000 | ((b & 0x3ff) << 13)) >>> 0, `NaN 0x${b.toString(16)}`);
      } else if (!Object.is(out[b], want)) {
        assert.fail(`0x${b.toString(16)}: ${out[b]} instead of ${want}`);
      }
    }
  });

  it('decodes bfloat16 as the upper half of a float32', () => {
    const patterns = [0x3f80, 0x8000, 0x0001, 0x4049, 0x7f80, 0xff80, 0x7fc1, 0xc2f7];
    const source = new DataView(new ArrayBuffer(2 * patterns.length + 1));
    patterns.forEach((p, i) => source.setUint16(1 + 2 * i, p, true));
    const out = new Float32Array(patterns.length);
    decodeBfloat16(source, 1, patterns.length, out);
    assertIdentical('bfloat16', out.subarray(0, 6), [1, -0, 2 ** -133, 3.140625, Infinity, -Infinity]);
    assert.equal(new Uint32Array(out.buffer)[6], 0x7fc10000, 'NaN payload kept');
    assert.equal(out[7], -123.5);
  });
});

describe('readSafetensors rejects malformed files with a FormatError', () => {
  const ok = (extra = '') => header({ a: ['F32', [2], [0, 8]] }, extra);

  it('fewer than 8 bytes', () => {
    rejects(new Uint8Array(5), /expected at least 8 bytes \(the header size\), got 5/);
    rejects(new Uint8Array(0), /got 0/);
  });

  it('a header size larger than the file', () => {
    rejects(file('{}', 0, 100n), /header size 100 bytes is larger than the 2 bytes that follow it/);
    rejects(file(ok(), 8, BigInt(ok().length + 9)), /is larger than the \d+ bytes/);
  });

  it('a header size over 100,000,000 bytes', () => {
    rejects(file('{}', 0, 100_000_001n), /header size 100000001 bytes exceeds the limit of 100000000 bytes/);
    rejects(file('{}', 0, 2n ** 64n - 1n), /header size 18446744073709551615 bytes exceeds the limit/);
  });

  it('a header that is not UTF-8', () => {
    rejects(file(new Uint8Array([0x7b, 0xff, 0x7d])), /header is not valid UTF-8/);
    rejects(file(new Uint8Array([0x7b, 0xc3, 0x7d])), /header is not valid UTF-8/);
  });

  it('a header that is not JSON', () => {
    rejects(file('{"a":'), /header is not valid JSON .*: \{"a":/);
    rejects(file(''), /header is not valid JSON/);
    rejects(file(`\uFEFF${ok()}`, 8), /header is not valid JSON/); // a byte-order mark, as serde_json
  });

  it('a header that is not an object', () => {
    rejects(file('[1,2]'), /header must be a JSON object, got array/);
    rejects(file('"x"'), /header must be a JSON object, got string/);
    rejects(file('null'), /header must be a JSON object, got null/);
  });

  it('a tensor entry that is not an object or misses a field', () => {
    rejects(file('{"a":5}'), /tensor "a": expected \{ dtype, shape, data_offsets \}, got number/);
    rejects(file('{"a":{"dtype":"F32","shape":[]}}', 4), /tensor "a": "data_offsets" is missing/);
  });

  it('an unknown or unsupported dtype', () => {
    rejects(file(header({ a: ['F33', [2], [0, 8]] }), 8), /tensor "a": unknown dtype "F33" \(expected one of BOOL, .*F32.*\)/);
    rejects(file(header({ a: [32, [2], [0, 8]] }), 8), /unknown dtype 32/);
    rejects(file(header({ a: ['f32', [2], [0, 8]] }), 8), /unknown dtype "f32"/);
    rejects(file(header({ a: ['F8_E4M3', [8], [0, 8]] }), 8), /tensor "a": dtype F8_E4M3 is not supported by rnnkit/);
  });

  it('a shape that is not an array of non-negative integers', () => {
    const bad = /tensor "a": shape must be an array of non-negative integers, got /;
    rejects(file(header({ a: ['F32', [2, -1], [0, 8]] }), 8), new RegExp(`${bad.source}\\[2,-1\\]`));
    rejects(file(header({ a: ['F32', [1.5], [0, 8]] }), 8), bad);
    rejects(file(header({ a: ['F32', '2', [0, 8]] }), 8), new RegExp(`${bad.source}"2"`));
    rejects(file(header({ a: ['F32', [null], [0, 8]] }), 8), bad);
    rejects(file(header({ a: ['F32', [1e300], [0, 8]] }), 8), bad);
  });

  it('data_offsets that are not two non-negative integers', () => {
    const bad = /tensor "a": data_offsets must be two non-negative integers \[begin, end\], got /;
    rejects(file(header({ a: ['F32', [2], [0]] }), 8), new RegExp(`${bad.source}\\[0\\]`));
    rejects(file(header({ a: ['F32', [2], [0, 8, 8]] }), 8), bad);
    rejects(file(header({ a: ['F32', [2], ['0', 8]] }), 8), bad);
    rejects(file(header({ a: ['F32', [2], [0, 8.5]] }), 8), bad);
    rejects(file(header({ a: ['F32', [2], [-8, 0]] }), 8), bad);
    rejects(file(header({ a: ['F32', [2], { begin: 0, end: 8 }] }), 8), bad);
  });

  it('data_offsets that begin after they end', () => {
    rejects(file(header({ a: ['F32', [2], [8, 0]] }), 8), /tensor "a": data_offsets \[8, 0\] begin after they end/);
  });

  it('data_offsets outside the data buffer', () => {
    rejects(file(header({ a: ['F32', [2], [0, 8]] }), 4), /tensor "a": data_offsets \[0, 8\] run past the end of the 4-byte data buffer/);
  });

  it('a byte length that is not product(shape) × dtype size', () => {
    rejects(
      file(header({ a: ['F32', [2, 3], [0, 20]] }), 20),
      /tensor "a": shape \[2, 3\] of F32 needs 24 bytes, but data_offsets \[0, 20\] hold 20/,
    );
    rejects(file(header({ a: ['F16', [], [0, 4]] }), 4), /shape \[\] of F16 needs 2 bytes, but data_offsets \[0, 4\] hold 4/);
    rejects(file(header({ a: ['F64', [0, 5], [0, 8]] }), 8), /needs 0 bytes/);
  });

  it('overlapping tensors', () => {
    rejects(
      file(header({ a: ['F32', [2], [0, 8]], b: ['F32', [2], [4, 12]] }), 12),
      /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap in the data buffer/,
    );
    rejects(file(header({ a: ['F32', [2], [0, 8]], b: ['F32', [2], [0, 8]] }), 8), /"a" \[0, 8\] and "b" \[0, 8\] overlap/);
    rejects(file(header({ a: ['F32', [2], [0, 8]], z: ['F32', [0], [4, 4]] }), 8), /"a" \[0, 8\] and "z" \[4, 4\] overlap/);
  });

  it('holes between tensors', () => {
    rejects(
      file(header({ a: ['F32', [2], [0, 8]], b: ['F32', [2], [12, 20]] }), 20),
      /bytes \[8, 12\) of the data buffer belong to no tensor \(the next one, "b", begins at 12\)/,
    );
    rejects(file(header({ a: ['F32', [2], [4, 12]] }), 12), /bytes \[0, 4\) of the data buffer belong to no tensor/);
  });

  it('bytes after the last tensor', () => {
    rejects(file(ok(), 12), /bytes \[8, 12\) at the end of the data buffer belong to no tensor/);
    rejects(file('{}', 1), /bytes \[0, 1\) at the end/);
  });

  it('metadata that is not an object of strings', () => {
    rejects(file(ok('"__metadata__":{"epoch":3}'), 8), /metadata value of "epoch" must be a string, got number 3/);
    rejects(file(ok('"__metadata__":{"a":"1","b":{"c":"d"}}'), 8), /metadata value of "b" must be a string, got Object \{"c":"d"\}/);
    rejects(file(ok('"__metadata__":["a"]'), 8), /"__metadata__" must be an object of strings, got array/);
    rejects(file(ok('"__metadata__":"pt"'), 8), /"__metadata__" must be an object of strings, got string/);
  });

  it('a tensor named __metadata__', () => {
    rejects(
      file(header({ __metadata__: ['F32', [2], [0, 8]] }), 8),
      /a tensor may not be named "__metadata__"; that key is reserved for the string-to-string metadata/,
    );
  });

  it('integers that float32 cannot hold exactly, and BOOL bytes other than 0 and 1', () => {
    const i32 = new Uint8Array(4);
    new DataView(i32.buffer).setInt32(0, 16777217, true);
    rejects(
      file(header({ n: ['I32', [], [0, 4]] }), i32),
      /tensor "n" \(I32\): element 0 is 16777217, which float32 cannot represent exactly/,
    );
    const i64 = new Uint8Array(16);
    new DataView(i64.buffer).setBigInt64(8, 2n ** 60n + 1n, true);
    rejects(file(header({ n: ['I64', [2], [0, 16]] }), i64), /tensor "n" \(I64\): element 1 is 1152921504606846977/);
    const u64 = new Uint8Array(8);
    new DataView(u64.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    rejects(file(header({ n: ['U64', [1], [0, 8]] }), u64), /element 0 is 18446744073709551615/);
    rejects(
      file(header({ m: ['BOOL', [3], [0, 3]] }), new Uint8Array([1, 0, 2])),
      /tensor "m" \(BOOL\): element 2 is the byte 2; expected 0 or 1/,
    );
  });

  it('anything but a Uint8Array, with a UsageError', () => {
    assert.throws(() => readSafetensors(new ArrayBuffer(16) as unknown as Uint8Array), UsageError);
    assert.throws(() => readSafetensors('{}' as unknown as Uint8Array), /expected the file's bytes as a Uint8Array, got string/);
  });
});

describe('writeSafetensors rejects bad input', () => {
  it('a tensors argument that is not an object (UsageError)', () => {
    for (const bad of [null, [tensor([1])], 'x']) {
      assert.throws(
        () => writeSafetensors(bad as unknown as Record<string, Tensor>),
        (e: unknown) => e instanceof UsageError && /expected an object mapping names to tensors/.test(e.message),
      );
    }
  });

  it('values that are not tensors (ShapeError)', () => {
    const cases: [unknown, RegExp][] = [
      [[1, 2], /tensor "w": shape must be an array/],
      [null, /tensor "w": expected a tensor \{ shape, data \}, got null/],
      [{ shape: [2], data: [1, 2] }, /tensor "w": data must be a Float32Array, got Array/],
      [{ shape: [2], data: new Float64Array(2) }, /data must be a Float32Array, got Float64Array/],
      [{ shape: [-1], data: new Float32Array(0) }, /shape must be an array of non-negative integers/],
    ];
    for (const [value, message] of cases) {
      assert.throws(
        () => writeSafetensors({ w: value as Tensor }),
        (e: unknown) => e instanceof ShapeError && message.test(e.message),
        String(message),
      );
    }
  });

  it('a data length that does not match the shape (ShapeError)', () => {
    assert.throws(
      () => writeSafetensors({ w: { shape: [2, 3], data: new Float32Array(5) } }),
      (e: unknown) => e instanceof ShapeError && /tensor "w": shape \[2, 3\] holds 6 elements but data has 5/.test(e.message),
    );
  });

  it('metadata that is not an object of strings (UsageError)', () => {
    const w = { w: tensor([1]) };
    assert.throws(
      () => writeSafetensors(w, { epoch: 3 } as unknown as Record<string, string>),
      (e: unknown) => e instanceof UsageError && /metadata value of "epoch" must be a string, got number/.test(e.message),
    );
    assert.throws(
      () => writeSafetensors(w, ['a'] as unknown as Record<string, string>),
      (e: unknown) => e instanceof UsageError && /metadata must be an object of strings, got array/.test(e.message),
    );
    assert.throws(() => writeSafetensors(w, null as unknown as Record<string, string>), UsageError);
  });

  it('a tensor named __metadata__, and names or values without a UTF-8 form (UsageError)', () => {
    assert.throws(
      () => writeSafetensors({ __metadata__: tensor([1]) }),
      (e: unknown) => e instanceof UsageError && /a tensor may not be named "__metadata__"/.test(e.message),
    );
    assert.throws(
      () => writeSafetensors({ 'a\uD800': tensor([1]) }),
      (e: unknown) => e instanceof UsageError && /tensor name "a\\ud800" holds a lone surrogate/.test(e.message),
    );
    assert.throws(() => writeSafetensors({}, { k: '\uDC00' }), /metadata value of "k" "\\udc00" holds a lone surrogate/);
    assert.doesNotThrow(() => writeSafetensors({ '\u{1F600}': tensor([1]) }, { '\u{1F600}': '\u{1F600}' }), 'pairs are fine');
  });
});
