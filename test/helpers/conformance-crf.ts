/**
 * Conformance of the linear-chain CRF kernels: forward (α, logZ, path scores), backward (β and
 * the gradient, accumulated onto what the buffers held) and Viterbi / list Viterbi, against the
 * float64 reference on tag counts that are and are not multiples of the SIMD width, ragged
 * lengths, and forbidden (−∞) transitions, starts and ends that leave some tags unreachable.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { assertClose } from './allclose.js';
import { f64, ref64, upload } from './conformance.js';
import { rng, uniform } from './random.js';

/** [T, B, K] and the lengths; every awkward K (1, 3, 17, 65) and a multiple of four. */
const CRF_SHAPES: [number, number, number, number[]][] = [
  [1, 1, 1, [1]],
  [4, 3, 3, [4, 1, 3]],
  [6, 2, 8, [2, 6]],
  [5, 3, 17, [5, 5, 2]],
  [4, 2, 65, [3, 4]],
  [17, 2, 5, [17, 9]],
];

/** Parameters of a K-tag CRF; with `forbid`, some transitions, starts and ends are −∞ (tag 0 always allowed). */
function crfParameters(random: () => number, K: number, forbid: boolean): { start: number[]; end: number[]; transitions: number[] } {
  const start = uniform(random, K);
  const end = uniform(random, K);
  const transitions = uniform(random, K * K);
  if (forbid) {
    for (let j = 1; j < K; j++) {
      if (j % 3 === 1) start[j] = -Infinity;
      if (j % 4 === 2) end[j] = -Infinity;
      // Tag K − 1 (K > 2) is entered from nowhere after the first step.
      for (let i = 0; i < K; i++) if ((i !== j && (i + 2 * j) % 3 === 0) || (j === K - 1 && K > 2)) transitions[i * K + j] = -Infinity;
    }
  }
  return { start, end, transitions };
}

/** The score of one tag path of item b, in float64. */
function pathScore(
  emissions: ArrayLike<number>,
  B: number,
  K: number,
  b: number,
  p: { start: number[]; end: number[]; transitions: number[] },
  tags: readonly number[],
): number {
  let s = p.start[tags[0]] + p.end[tags.at(-1)!];
  tags.forEach((y, t) => {
    s += emissions[(t * B + b) * K + y];
    if (t > 0) s += p.transitions[tags[t - 1] * K + y];
  });
  return s;
}

export function crfChecks(get: () => Backend<Float32Array>): void {
  for (const [T, B, K, lengths] of CRF_SHAPES) {
    for (const forbid of [false, true]) {
      const label = `T ${T}, B ${B}, K ${K}, lengths ${lengths.join(' ')}${forbid ? ', forbidden transitions' : ''}`;

      // Scores of ±3, and of ±40, whose paths lie so far apart that some sums need the exact fallback.
      for (const scale of [1, 13])
        it(`crf forward and backward, ${label}, scores ×${scale}`, () => {
          const b = get();
          const random = rng(T * 1000 + B * 100 + K + (forbid ? 7 : 0) + scale);
          const emissions = uniform(random, T * B * K, -3 * scale, 3 * scale);
          const p = crfParameters(random, K, forbid);
          p.transitions = p.transitions.map((v) => v * scale);
          const tagList = Array.from({ length: T * B }, () => Math.floor(random() * K));
          const weights = uniform(random, B, 0.1, 2);
          const lens = Int32Array.from(lengths);
          for (const withTags of [false, true]) {
            const tags = withTags ? Int32Array.from(tagList) : null;
            const want = { alpha: new Float64Array(T * B * K), logZ: new Float64Array(B), score: new Float64Array(B) };
            ref64.crfForward(
              T,
              B,
              K,
              f64(emissions),
              lens,
              tags,
              f64(p.start),
              f64(p.end),
              f64(p.transitions),
              want.alpha,
              want.logZ,
              want.score,
              new Float64Array(0),
            );
            const e = upload(b, emissions);
            const [start, end, transitions] = [upload(b, p.start), upload(b, p.end), upload(b, p.transitions)];
            const [alpha, logZ, score] = [b.alloc(T * B * K), b.alloc(B), b.alloc(B)];
            const bLengths = b.allocInt(B);
            bLengths.set(lens);
            const bTags = tags === null ? null : b.allocInt(T * B);
            bTags?.set(tags!);
            b.crfForward(T, B, K, e, bLengths, bTags, start, end, transitions, alpha, logZ, score, b.alloc(K * K + 2 * K));
            assertClose('alpha', alpha, want.alpha, { atol: 2e-5, rtol: 2e-6 });
            assertClose('logZ', logZ, want.logZ, { atol: 2e-5, rtol: 2e-6 });
            if (withTags) assertClose('path score', score, want.score, { atol: 2e-5, rtol: 2e-6 });

            // Backward from the same α and logZ, onto parameter gradients that already hold values.
            const g0 = { start: uniform(random, K), end: uniform(random, K), transitions: uniform(random, K * K) };
            const wantB = {
              beta: new Float64Array(T * B * K),
              dE: new Float64Array(T * B * K),
              dStart: f64(g0.start),
              dEnd: f64(g0.end),
              dTransitions: f64(g0.transitions),
            };
            ref64.crfBackward(
              T,
              B,
              K,
              f64(emissions),
              lens,
              tags,
              f64(p.end),
              f64(p.transitions),
              f64(alpha),
              f64(logZ),
              f64(weights),
              wantB.beta,
              wantB.dE,
              wantB.dStart,
              wantB.dEnd,
              wantB.dTransitions,
              new Float64Array(0),
            );
            const [beta, dE] = [b.alloc(T * B * K), upload(b, uniform(random, T * B * K))]; // dEmissions is written, not accumulated
            const [dStart, dEnd, dTransitions] = [upload(b, g0.start), upload(b, g0.end), upload(b, g0.transitions)];
            b.crfBackward(
              T,
              B,
              K,
              e,
              bLengths,
              bTags,
              end,
              transitions,
              alpha,
              logZ,
              upload(b, weights),
              beta,
              dE,
              dStart,
              dEnd,
              dTransitions,
              b.alloc(K * K + 2 * K),
            );
            // Probabilities from float32 log-scores of magnitude up to T · 3 · scale: about that many ulps of error.
            const tol = { atol: 1e-5 * (scale === 1 ? 1 : T), rtol: 1e-4 };
            assertClose('beta', beta, wantB.beta, { atol: 2e-5, rtol: 2e-6 });
            assertClose('dEmissions', dE, wantB.dE, tol);
            assertClose('dStart', dStart, wantB.dStart, tol);
            assertClose('dEnd', dEnd, wantB.dEnd, tol);
            assertClose('dTransitions', dTransitions, wantB.dTransitions, { atol: tol.atol * T, rtol: 1e-4 });
          }
        });

      for (const k of [1, 3]) {
        it(`crf ${k === 1 ? 'Viterbi' : `list Viterbi (k ${k})`}, ${label}`, () => {
          const b = get();
          const random = rng(T * 977 + B * 31 + K + k + (forbid ? 5 : 0));
          const emissions = uniform(random, T * B * K, -3, 3);
          const p = crfParameters(random, K, forbid);
          const lens = Int32Array.from(lengths);
          const want = { paths: new Int32Array(B * k * T), scores: new Float64Array(B * k) };
          ref64.crfViterbi(
            T,
            B,
            K,
            k,
            f64(emissions),
            lens,
            f64(p.start),
            f64(p.end),
            f64(p.transitions),
            new Float64Array(T * B * K * k),
            new Int32Array(T * B * K * k),
            want.paths,
            want.scores,
          );
          const bLengths = b.allocInt(B);
          bLengths.set(lens);
          const [paths, history, scores] = [b.allocInt(B * k * T), b.allocInt(T * B * K * k), b.alloc(B * k)];
          b.crfViterbi(
            T,
            B,
            K,
            k,
            upload(b, emissions),
            bLengths,
            upload(b, p.start),
            upload(b, p.end),
            upload(b, p.transitions),
            b.alloc(T * B * K * k),
            history,
            paths,
            scores,
          );
          assertClose('path scores', scores, want.scores, { atol: 2e-5, rtol: 2e-6 });
          for (let item = 0; item < B; item++) {
            for (let r = 0; r < k; r++) {
              const row = Array.from(paths.subarray((item * k + r) * T, (item * k + r + 1) * T));
              const wanted = Array.from(want.paths.subarray((item * k + r) * T, (item * k + r + 1) * T));
              if (want.scores[item * k + r] === -Infinity) {
                assert.deepEqual(row, wanted, `item ${item}: path ${r} does not exist`);
                continue;
              }
              // A path of its length, −1 after; its own score is the one reported (equal scores may swap paths).
              const L = lengths[item];
              assert.ok(
                row.slice(0, L).every((y) => y >= 0 && y < K) && row.slice(L).every((y) => y === -1),
                `item ${item} path ${r}: ${row}`,
              );
              const own = pathScore(emissions, B, K, item, p, row.slice(0, L));
              assertClose(`item ${item} path ${r} score`, [own], [want.scores[item * k + r]], { atol: 2e-5, rtol: 2e-6 });
            }
          }
        });
      }
    }
  }
}
