/**
 * The safetensors dtypes rnnkit reads, and their conversion to float32. Elements are
 * little-endian; the ranges handed in here were checked by the header parser
 * (in bounds, a whole number of elements).
 */
import { FormatError } from '../errors.js';
import { decodeBfloat16, decodeFloat16 } from './half.js';

/** Bytes per element of each dtype rnnkit reads. */
export const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

/** A dtype rnnkit reads. */
export type Dtype = keyof typeof DTYPE_BYTES;

/** Dtypes the format defines but rnnkit does not read (sub-byte, 8-bit float and complex). */
export const UNSUPPORTED_DTYPES: readonly string[] = [
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'C64',
];

/** True on little-endian hosts (all common ones), where float32 bytes can be copied as they are. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The elements in bytes [begin, end) of `view`, as a new float32 array: floats exactly
 * (F64 rounded to nearest, ties to even), integers and BOOL only when exactly representable.
 * @throws FormatError naming the tensor `name`, the element and its value, for an integer
 *   float32 cannot hold exactly or a BOOL byte other than 0 and 1.
 */
export function decodeElements(name: string, dtype: Dtype, view: DataView, begin: number, end: number): Float32Array {
  const n = (end - begin) / DTYPE_BYTES[dtype];
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(new Uint8Array(view.buffer, view.byteOffset + begin, end - begin));
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(begin + 4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(begin + 8 * i, true);
      break;
    case 'F16':
      decodeFloat16(view, begin, n, out);
      break;
    case 'BF16':
      decodeBfloat16(view, begin, n, out);
      break;
    case 'BOOL':
      for (let i = 0; i < n; i++) {
        const b = view.getUint8(begin + i);
        if (b > 1) {
          throw new FormatError(`safetensors: tensor ${JSON.stringify(name)} (BOOL): element ${i} is the byte ${b}; expected 0 or 1`);
        }
        out[i] = b;
      }
      break;
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(begin + i);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(begin + i);
      break;
    case 'U16':
      for (let i = 0; i < n; i++) out[i] = view.getUint16(begin + 2 * i, true);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(begin + 2 * i, true);
      break;
    case 'U32':
    case 'I32':
      for (let i = 0; i < n; i++) {
        const v = dtype === 'U32' ? view.getUint32(begin + 4 * i, true) : view.getInt32(begin + 4 * i, true);
        if (Math.fround(v) !== v) throw notFloat32(name, dtype, i, String(v));
        out[i] = v;
      }
      break;
    case 'U64':
    case 'I64':
      for (let i = 0; i < n; i++) {
        const v = dtype === 'U64' ? view.getBigUint64(begin + 8 * i, true) : view.getBigInt64(begin + 8 * i, true);
        const f = Math.fround(Number(v));
        if (BigInt(f) !== v) throw notFloat32(name, dtype, i, String(v));
        out[i] = f;
      }
      break;
  }
  return out;
}

function notFloat32(name: string, dtype: Dtype, index: number, value: string): FormatError {
  return new FormatError(
    `safetensors: tensor ${JSON.stringify(name)} (${dtype}): element ${index} is ${value}, ` +
      'which float32 cannot represent exactly (rnnkit reads tensors as float32; integers up to 2^24 always fit)',
  );
}
