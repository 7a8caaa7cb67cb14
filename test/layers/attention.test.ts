// Attention steps: float64 finite differences for both scores, masked steps get no
// weight and no gradient, and weights are a distribution over the real steps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { attentionBackward, attentionForward, type AttentionInputs, type AttentionScore } from '../../src/layers/attention.js';
import { Random } from '../../src/random.js';
import { gradcheck } from '../helpers/gradcheck.js';

describe('attention', () => {
  const backend = createReferenceBackend(Float64Array);
  const [S, B, K, D] = [5, 3, 4, 3];
  const lengths = Int32Array.of(5, 2, 4);
  const masked = (i: number, width: number): boolean => Math.floor(i / width / B) >= lengths[Math.floor(i / width) % B];
  for (const score of ['additive', 'multiplicative'] as const satisfies readonly AttentionScore[]) {
    const setup = (seed: number): AttentionInputs<Float64Array> => {
      const random = new Random(seed);
      const normal = (n: number): Float64Array => Float64Array.from({ length: n }, () => random.normal());
      return {
        score,
        S,
        B,
        K,
        D,
        keys: normal(S * B * K),
        values: normal(S * B * D),
        lengths,
        query: normal(B * K),
        w: score === 'additive' ? normal(K) : undefined,
        hidden: new Float64Array(S * B * K),
        scores: new Float64Array(S * B),
      };
    };

    it(`${score}: gradients of keys, values, query and w match finite differences (float64)`, () => {
      const a = setup(score === 'additive' ? 3 : 4);
      const weightsOfContext = Float64Array.from({ length: B * D }, (_, i) => Math.sin(i + 1));
      const loss = (): number => {
        const context = new Float64Array(B * D);
        attentionForward(backend, a, new Float64Array(B * S), context);
        return context.reduce((s, v, i) => s + v * weightsOfContext[i], 0);
      };
      const weights = new Float64Array(B * S);
      attentionForward(backend, a, weights, new Float64Array(B * D));
      const grads = {
        query: new Float64Array(B * K),
        keys: new Float64Array(S * B * K),
        values: new Float64Array(S * B * D),
        w: score === 'additive' ? new Float64Array(K) : undefined,
        additive: new Float64Array(S * B * K),
      };
      attentionBackward(backend, a, weights, weightsOfContext, grads, new Float64Array(S));
      gradcheck(
        [
          { name: 'keys', values: a.keys, grad: grads.keys },
          { name: 'values', values: a.values, grad: grads.values },
          { name: 'query', values: a.query, grad: grads.query },
          ...(a.w ? [{ name: 'w', values: a.w, grad: grads.w! }] : []),
        ],
        loss,
      );
      for (let i = 0; i < grads.keys.length; i++) if (masked(i, K)) assert.equal(grads.keys[i], 0, `masked key ${i}`);
      for (let i = 0; i < grads.values.length; i++) if (masked(i, D)) assert.equal(grads.values[i], 0, `masked value ${i}`);
    });

    it(`${score}: weights sum to 1 over real steps and ignore what lies past them`, () => {
      const a = setup(7);
      const weights = new Float64Array(B * S);
      const context = new Float64Array(B * D);
      attentionForward(backend, a, weights, context);
      for (let b = 0; b < B; b++) {
        const row = weights.subarray(b * S, (b + 1) * S);
        assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-12, `row ${b} sums to 1`);
        for (let i = lengths[b]; i < S; i++) assert.equal(row[i], 0);
        assert.ok(row.slice(0, lengths[b]).every((v) => v > 0));
      }
      for (let i = 0; i < a.keys.length; i++) if (masked(i, K)) a.keys[i] = 1e6;
      for (let i = 0; i < a.values.length; i++) if (masked(i, D)) a.values[i] = -1e6;
      const again = new Float64Array(B * D);
      attentionForward(backend, a, new Float64Array(B * S), again);
      assert.deepEqual(again, context);
    });
  }
});
