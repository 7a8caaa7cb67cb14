/**
 * The weight bytes of a TensorFlow.js LayersModel: the shards of its weights manifest,
 * concatenated in order, each weight's values contiguous and little-endian, row-major in
 * its shape. float32 weights are read as they are; quantized ones (tfjs's
 * `--quantize_uint8`, `--quantize_uint16`, `--quantize_float16`) are restored to float32
 * (q · scale + min, or the float16 value).
 */
import { FormatError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { float16ToNumber } from '../half.js';
import type { WeightSpec } from './topology.js';

/** The bytes of one stored value, by stored dtype. */
const STORED_BYTES: Record<string, number> = { float32: 4, uint8: 1, uint16: 2, float16: 2 };

/**
 * The weights by name, from the shards' bytes (one buffer, or the shards in manifest order).
 * @throws FormatError on a dtype that is not float32 (or quantized float32), or when the bytes do not match the manifest.
 */
export function readWeights(
  specs: readonly WeightSpec[],
  data: Uint8Array | ArrayBuffer | readonly (Uint8Array | ArrayBuffer)[],
): Record<string, Tensor> {
  const bytes = concat(Array.isArray(data) ? data : [data as Uint8Array | ArrayBuffer]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, Tensor> = {};
  let offset = 0;
  for (const spec of specs) {
    const stored = spec.quantization?.dtype ?? spec.dtype;
    const size = STORED_BYTES[stored];
    if (spec.dtype !== 'float32' || size === undefined) {
      throw new FormatError(
        `TensorFlow.js import: weight ${spec.name} is ${spec.dtype}${spec.quantization ? ` stored as ${stored}` : ''}; ` +
          'rnnkit reads float32 weights, plain or quantized to uint8, uint16 or float16',
      );
    }
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + n * size > bytes.byteLength) {
      throw new FormatError(
        `TensorFlow.js import: the weight files end before ${spec.name} (${bytes.byteLength} bytes for the manifest's ` +
          `${totalBytes(specs)})`,
      );
    }
    const values = new Float32Array(n);
    const { scale = 1, min = 0 } = spec.quantization ?? {};
    for (let i = 0; i < n; i++) {
      const at = offset + i * size;
      if (stored === 'float32') values[i] = view.getFloat32(at, true);
      else if (stored === 'float16') values[i] = float16ToNumber(view.getUint16(at, true));
      else values[i] = (stored === 'uint8' ? view.getUint8(at) : view.getUint16(at, true)) * scale + min;
    }
    out[spec.name] = { shape: [...spec.shape], data: values };
    offset += n * size;
  }
  if (offset !== bytes.byteLength) {
    throw new FormatError(`TensorFlow.js import: the weight files hold ${bytes.byteLength} bytes but the manifest describes ${offset}`);
  }
  return out;
}

function totalBytes(specs: readonly WeightSpec[]): number {
  return specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * (STORED_BYTES[s.quantization?.dtype ?? s.dtype] ?? 0), 0);
}

function concat(parts: readonly (Uint8Array | ArrayBuffer)[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : new Uint8Array(p)));
  if (arrays.length === 1) return arrays[0];
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
