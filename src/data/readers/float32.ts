/** Numbers read from data files become float32: which ones survive the conversion. */

/** The largest finite float32, (2 − 2⁻²³)·2¹²⁷. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Whether `value` is a finite number that stays finite as float32 (a double beyond
 * ±3.4028235e38, such as 1e39, rounds to ±Infinity in a Float32Array).
 */
export function isFiniteFloat32(value: number): boolean {
  return Number.isFinite(value) && Math.abs(Math.fround(value)) <= FLOAT32_MAX;
}
