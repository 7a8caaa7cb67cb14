// Beam search with small beams against brute-force enumeration: a toy decoder whose next-token
// distribution depends on the whole prefix, every extension of every kept prefix enumerated
// step by step to the length limit (no early stop), the same length normalisation
// log P / length^α. The search must return the same hypotheses: its early stop ("no live
// hypothesis can still beat the k-th finished one") may save work but never change the answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { beamSearch, type BeamDecoder } from '../../src/decode/beam-search.js';
import { Random } from '../../src/random.js';

const V = 4;
const END = 3;
const BEGIN = 9; // the decoder never scores it; only fed at the first step

/** log-probabilities of the next token after `prefix`: a softmax of scores drawn from the prefix itself (sharp enough to differ a lot). */
function nextLogProbs(seed: number, prefix: readonly number[]): number[] {
  const random = new Random(prefix.reduce((h, t) => (h * 31 + t + 1) % 1_000_003, seed));
  const scores = Array.from({ length: V }, () => 3 * random.normal());
  const max = Math.max(...scores);
  const logSum = max + Math.log(scores.reduce((s, x) => s + Math.exp(x - max), 0));
  return scores.map((x) => x - logSum);
}

/** The toy model as the search sees it: rows move to their parents' prefixes, then take their token. */
function toyDecoder(seed: number, k: number, calls: { count: number }): BeamDecoder<number> {
  let prefixes: number[][] = [[]];
  return (tokens, parents) => {
    calls.count++;
    prefixes =
      calls.count === 1 ? Array.from({ length: k }, () => []) : Array.from({ length: k }, (_, r) => [...prefixes[parents[r]], tokens[r]]);
    const logProbs = new Float64Array(k * V);
    prefixes.forEach((p, r) => logProbs.set(nextLogProbs(seed, p), r * V));
    return { logProbs, report: (row) => prefixes[row].length };
  };
}

interface Scored {
  tokens: number[];
  logProb: number;
  score: number;
  finished: boolean;
}

/** Brute force: every extension of every kept prefix, every finished one kept, to maxLength; then the k best. */
function enumerate(seed: number, k: number, alpha: number, maxLength: number): Scored[] {
  const score = (logProb: number, length: number): number => logProb / Math.pow(length, alpha);
  let live: { tokens: number[]; logProb: number }[] = [{ tokens: [], logProb: 0 }];
  const finished: Scored[] = [];
  for (let length = 1; length <= maxLength; length++) {
    const extensions = live.flatMap((h) =>
      nextLogProbs(seed, h.tokens).map((lp, v) => ({ tokens: [...h.tokens, v], logProb: h.logProb + lp, v })),
    );
    for (const e of extensions) {
      if (e.v === END)
        finished.push({ tokens: e.tokens.slice(0, -1), logProb: e.logProb, score: score(e.logProb, length), finished: true });
    }
    live = extensions
      .filter((e) => e.v !== END)
      .sort((a, b) => b.logProb - a.logProb)
      .slice(0, k);
  }
  const ranked = finished.sort((a, b) => b.score - a.score);
  if (ranked.length < k) {
    ranked.push(
      ...live.map((h) => ({ ...h, score: score(h.logProb, h.tokens.length), finished: false })).sort((a, b) => b.score - a.score),
    );
  }
  return ranked.slice(0, k);
}

describe('beamSearch', () => {
  it('small beams return what brute-force enumeration of the kept prefixes finds, under each length normalisation', async () => {
    let earlyStops = 0;
    let cases = 0;
    for (let seed = 1; seed <= 40; seed++) {
      for (const k of [1, 2, 3]) {
        for (const alpha of [0, 0.6, 1]) {
          const maxLength = 7;
          const calls = { count: 0 };
          const found = await beamSearch(toyDecoder(seed, k, calls), V, BEGIN, END, { beamWidth: k, lengthPenalty: alpha, maxLength });
          const expected = enumerate(seed, k, alpha, maxLength);
          const where = `seed ${seed}, k ${k}, α ${alpha}`;
          assert.deepEqual(
            found.map((h) => [h.tokens, h.finished]),
            expected.map((h) => [h.tokens, h.finished]),
            where,
          );
          found.forEach((h, i) => {
            assert.ok(Math.abs(h.logProb - expected[i].logProb) < 1e-12 && Math.abs(h.score - expected[i].score) < 1e-12, where);
            assert.deepEqual(
              h.steps,
              Array.from({ length: h.tokens.length + (h.finished ? 1 : 0) }, (_, t) => t),
              where,
            );
          });
          if (calls.count < maxLength) earlyStops++;
          cases++;
        }
      }
    }
    assert.ok(earlyStops > cases / 4, `the early stop ran in ${earlyStops} of ${cases} searches`);
  });
});
