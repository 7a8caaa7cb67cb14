/**
 * Argument checks shared by the optimizers, schedules and clipping. Messages name the
 * function, the option and the value that came. Internal: not exported
 * from the package.
 */
import { UsageError } from '../errors.js';
import type { FloatArray } from '../backend/backend.js';

/** Option checks; each returns the checked value. */
export const check = {
  /**
   * Rejects option names outside `known`, and non-object options.
   * @throws UsageError
   */
  known(owner: string, options: object, known: readonly string[]): void {
    if (typeof options !== 'object' || options === null) throw new UsageError(`${owner}: options must be an object`);
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) {
        throw new UsageError(`${owner}: unknown option '${key}' (expected one of ${known.join(', ')})`);
      }
    }
  },
  /** @throws UsageError unless `value` is a finite number ≥ 0. */
  nonNegative(owner: string, name: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new UsageError(`${owner}: ${name} must be a finite number >= 0, got ${describeValue(value)}`);
    }
    return value;
  },
  /** @throws UsageError unless `value` is a finite number > 0. */
  positive(owner: string, name: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new UsageError(`${owner}: ${name} must be a finite number > 0, got ${describeValue(value)}`);
    }
    return value;
  },
  /** @throws UsageError unless `value` is a finite number in [lo, hi) (or [lo, hi] when `closed`). */
  inRange(owner: string, name: string, value: unknown, lo: number, hi: number, closed = false): number {
    if (typeof value !== 'number' || !(value >= lo && (closed ? value <= hi : value < hi))) {
      throw new UsageError(`${owner}: ${name} must be in [${lo}, ${hi}${closed ? ']' : ')'}, got ${describeValue(value)}`);
    }
    return value;
  },
  /** @throws UsageError unless `value` is an integer ≥ `min`. */
  integer(owner: string, name: string, value: unknown, min: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new UsageError(`${owner}: ${name} must be an integer >= ${min}, got ${describeValue(value)}`);
    }
    return value;
  },
  /** @throws UsageError unless `value` is an array of two elements. */
  pair(owner: string, name: string, value: unknown): readonly [unknown, unknown] {
    if (!Array.isArray(value) || value.length !== 2) {
      throw new UsageError(`${owner}: ${name} must be a pair of numbers, got ${describeValue(value)}`);
    }
    return [value[0], value[1]];
  },
  /** @throws UsageError unless `value` is a boolean. */
  flag(owner: string, name: string, value: unknown): boolean {
    if (typeof value !== 'boolean') throw new UsageError(`${owner}: ${name} must be true or false, got ${describeValue(value)}`);
    return value;
  },
};

/** A short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of ${(value as FloatArray).length} elements`;
  return typeof value;
}
