/** Arithmetic on log-probabilities, in float64. */

/** log(exp(a) + exp(b)) without overflow; −∞ is the identity. */
export function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** `out[c] = data[offset + c] − logsumexp(data[offset … offset + C))`: one row's log-softmax. */
export function logSoftmaxRow(data: ArrayLike<number>, offset: number, C: number, out: Float64Array, outOffset = 0): void {
  let max = -Infinity;
  for (let c = 0; c < C; c++) max = Math.max(max, data[offset + c]);
  let sum = 0;
  for (let c = 0; c < C; c++) sum += Math.exp(data[offset + c] - max);
  const lse = max + Math.log(sum);
  for (let c = 0; c < C; c++) out[outOffset + c] = data[offset + c] - lse;
}
