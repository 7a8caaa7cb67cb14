/**
 * 16-bit floating-point formats, decoded to float32 (exactly: every value of both
 * formats is a float32 value).
 *
 * Bit layouts (sign s, exponent e, fraction f):
 *   float16  (IEEE 754 binary16): s | e: 5 bits, bias 15  | f: 10 bits
 *   bfloat16 (brain float):       s | e: 8 bits, bias 127 | f: 7 bits — the upper half of a float32
 *
 * float16 values: e = 0 → (−1)^s · f · 2^−24 (zero and subnormals); 0 < e < 31 →
 * (−1)^s · (1024 + f) · 2^(e−25); e = 31 → ±Infinity when f = 0, else NaN.
 */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The float32 bit pattern of each of the 65,536 float16 bit patterns; built on first use (256 kB). */
let float16Table: Uint32Array | undefined;

/**
 * The value of a float16 bit pattern (0 ≤ `bits` < 65536): subnormals, ±0, ±Infinity and
 * NaN included. The result is exactly representable in float32.
 */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/**
 * The float32 bit pattern of a float16 bit pattern. NaNs keep their sign and payload
 * (the fraction moves to the top of float32's fraction, as hardware conversions do).
 */
export function float16ToFloat32Bits(bits: number): number {
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0x1f && fraction !== 0) return (((bits & 0x8000) << 16) | 0x7f800000 | (fraction << 13)) >>> 0;
  scratch[0] = float16ToNumber(bits);
  return scratchBits[0];
}

function table(): Uint32Array {
  if (float16Table === undefined) {
    float16Table = new Uint32Array(65536);
    for (let bits = 0; bits < 65536; bits++) float16Table[bits] = float16ToFloat32Bits(bits);
  }
  return float16Table;
}

/**
 * Decodes `n` little-endian float16 values starting at `byteOffset` of `source` into
 * `out` (a float32 array of length ≥ n), bit-exactly.
 */
export function decodeFloat16(source: DataView, byteOffset: number, n: number, out: Float32Array): void {
  const bitsOf = table();
  const out32 = new Uint32Array(out.buffer, out.byteOffset, n);
  for (let i = 0; i < n; i++) out32[i] = bitsOf[source.getUint16(byteOffset + 2 * i, true)];
}

/**
 * Decodes `n` little-endian bfloat16 values starting at `byteOffset` of `source` into
 * `out`. A bfloat16 is the upper 16 bits of a float32, so this is exact for every pattern
 * (subnormals, ±Infinity and NaN payloads included).
 */
export function decodeBfloat16(source: DataView, byteOffset: number, n: number, out: Float32Array): void {
  const out32 = new Uint32Array(out.buffer, out.byteOffset, n);
  for (let i = 0; i < n; i++) out32[i] = source.getUint16(byteOffset + 2 * i, true) << 16;
}
