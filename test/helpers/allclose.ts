/**
 * Elementwise comparison with a report that names the tensor, its largest absolute
 * difference and the first mismatches (as llm.c's check_tensor does).
 */
import assert from 'node:assert/strict';

export interface Tolerance {
  /** Absolute tolerance. */
  atol?: number;
  /** Relative tolerance, applied to |expected|. */
  rtol?: number;
}

/** Asserts |actual − expected| ≤ atol + rtol·|expected| everywhere (NaN matches only NaN). */
export function assertClose(
  name: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-5 }: Tolerance = {},
): void {
  assert.equal(actual.length, expected.length, `${name}: length ${actual.length}, expected ${expected.length}`);
  let maxDiff = 0;
  const bad: string[] = [];
  let badCount = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const diff = Math.abs(a - e);
    if (!(diff <= maxDiff)) maxDiff = Number.isNaN(diff) ? Infinity : Math.max(maxDiff, diff);
    if (!(diff <= atol + rtol * Math.abs(e)) && !(a === e)) {
      badCount++;
      if (bad.length < 5) bad.push(`[${i}] ${a} vs ${e}`);
    }
  }
  if (badCount > 0) {
    assert.fail(
      `${name}: ${badCount} of ${expected.length} elements differ (max |diff| ${maxDiff}, ` +
        `atol ${atol}, rtol ${rtol}); first: ${bad.join(', ')}`,
    );
  }
}

/** Asserts bit-for-bit equality (NaN payloads aside). */
export function assertIdentical(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length, `${name}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) {
      assert.fail(`${name}: element ${i} is ${a}, expected exactly ${e}`);
    }
  }
}
