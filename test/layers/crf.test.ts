// The CRF layer: pytorch-crf's values (scripts/gen_crf_fixtures.py) on both backends, float64
// finite differences of every reduction with ragged lengths and constraints, Viterbi, top-k
// paths, marginals and log Z against brute-force enumeration, padding, accumulation, errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { NonFiniteError, ShapeError, UsageError } from '../../src/errors.js';
import { readSafetensors, safetensorsMetadata } from '../../src/io/safetensors.js';
import { allowedTransitions, type ChunkScheme, firstViolation, type TransitionConstraints } from '../../src/layers/crf/constraints.js';
import { CrfComputation, crfParameterSpecs, type CrfReduction } from '../../src/layers/crf/computation.js';
import { CRF } from '../../src/layers/crf/crf.js';
import { ParameterSet } from '../../src/layers/parameters.js';
import { Random } from '../../src/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/allclose.js';
import { type Checked, gradcheck } from '../helpers/gradcheck.js';
import { rng, uniform } from '../helpers/random.js';

interface Case {
  name: string;
  lengths: number[];
  tags: number[][];
  reduction: 'sum' | 'mean' | 'none' | 'token_mean';
  scheme: ChunkScheme | null;
  labels: string[] | null;
  viterbi: number[][];
}

const fixtures = readSafetensors(readFileSync(new URL('../fixtures/crf/cases.safetensors', import.meta.url)));
const cases = JSON.parse(safetensorsMetadata(fixtures).cases) as Case[];
const PARAMETERS = ['start_transitions', 'end_transitions', 'transitions'] as const;
const F32 = { atol: 2e-5, rtol: 2e-5 };

/** Parameters of a K-tag CRF as a state dict. */
interface Scores {
  start: number[];
  end: number[];
  transitions: number[];
}

function stateDict(s: Scores, K: number): Record<string, Tensor> {
  return {
    start_transitions: { shape: [K], data: Float32Array.from(s.start) },
    end_transitions: { shape: [K], data: Float32Array.from(s.end) },
    transitions: { shape: [K, K], data: Float32Array.from(s.transitions) },
  };
}

/** Every tag path of length L over K tags that the constraints allow, with its score (float64), best first. */
function enumerate(
  emissions: ArrayLike<number>,
  B: number,
  K: number,
  b: number,
  L: number,
  s: Scores,
  constraints?: TransitionConstraints,
): { tags: number[]; score: number }[] {
  const out: { tags: number[]; score: number }[] = [];
  const tags = new Array<number>(L).fill(0);
  for (let n = 0; n < K ** L; n++) {
    for (let t = 0, rest = n; t < L; t++, rest = Math.floor(rest / K)) tags[L - 1 - t] = rest % K;
    if (constraints !== undefined && firstViolation(tags, constraints) !== undefined) continue;
    let score = s.start[tags[0]] + s.end[tags[L - 1]];
    for (let t = 0; t < L; t++) score += emissions[(t * B + b) * K + tags[t]] + (t > 0 ? s.transitions[tags[t - 1] * K + tags[t]] : 0);
    out.push({ tags: [...tags], score });
  }
  return out.sort((x, y) => y.score - x.score);
}

function logSumExp(values: readonly number[]): number {
  const top = Math.max(...values);
  return top + Math.log(values.reduce((sum, v) => sum + Math.exp(v - top), 0));
}

function randomScores(random: () => number, K: number): Scores {
  return { start: uniform(random, K), end: uniform(random, K), transitions: uniform(random, K * K) };
}

const BIO_LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];

describe('CRF against pytorch-crf (torch reference values)', () => {
  const backends: [string, () => Promise<Backend>][] = [
    ['reference', async () => createReferenceBackend()],
    ['wasm', () => createWasmBackend({ threads: 1 })],
  ];
  for (const [backendName, make] of backends) {
    for (const c of cases) {
      it(`${c.name} (${c.reduction}${c.scheme ? `, ${c.scheme} constraints` : ''}) on ${backendName}`, async () => {
        const backend = await make();
        const emissions = fixtures[`${c.name}.emissions`];
        const K = emissions.shape[2];
        const crf = new CRF({ numTags: K, backend, ...(c.scheme ? { constraints: allowedTransitions(c.scheme, c.labels!) } : {}) });
        crf.loadStateDict(Object.fromEntries(PARAMETERS.map((p) => [p, fixtures[`${c.name}.${p}`]])));
        crf.zeroGrad();
        const reduction: CrfReduction = c.reduction === 'token_mean' ? 'tokenMean' : c.reduction;
        const { loss, grad } = await crf.negativeLogLikelihood(emissions, c.tags, { lengths: c.lengths, reduction });
        assertClose(`${c.name} loss`, [loss].flat(), fixtures[`${c.name}.loss`].data, F32);
        assert.deepEqual(grad.shape, emissions.shape);
        assertClose(`${c.name} d loss / d emissions`, grad.data, fixtures[`${c.name}.grad_emissions`].data, F32);
        const grads = crf.gradients();
        for (const p of PARAMETERS) assertClose(`${c.name} d loss / d ${p}`, grads[p].data, fixtures[`${c.name}.grad_${p}`].data, F32);
        assert.deepEqual(await crf.decode(emissions, { lengths: c.lengths }), c.viterbi);
        assertClose(
          `${c.name} log Z`,
          await crf.logPartition(emissions, { lengths: c.lengths }),
          fixtures[`${c.name}.log_partition`].data,
          F32,
        );
        assertClose(
          `${c.name} marginals`,
          (await crf.marginals(emissions, { lengths: c.lengths })).data,
          fixtures[`${c.name}.marginals`].data,
          F32,
        );
        backend.dispose();
      });
    }
  }

  it('batchFirst takes and gives [B, T, K]', async () => {
    const c = cases.find((x) => x.name === 'ragged_mean')!;
    const emissions = fixtures[`${c.name}.emissions`];
    const [T, B, K] = emissions.shape as [number, number, number];
    const transpose = (data: Float32Array, to: 'bt' | 'tb'): Float32Array => {
      const out = new Float32Array(data.length);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const [src, dst] = to === 'bt' ? [t * B + b, b * T + t] : [b * T + t, t * B + b];
          out.set(data.subarray(src * K, src * K + K), dst * K);
        }
      }
      return out;
    };
    const crf = new CRF({ numTags: K, batchFirst: true, backend: createReferenceBackend() });
    crf.loadStateDict(Object.fromEntries(PARAMETERS.map((p) => [p, fixtures[`${c.name}.${p}`]])));
    const batchFirst = { shape: [B, T, K], data: transpose(emissions.data, 'bt') };
    const { loss, grad } = await crf.negativeLogLikelihood(batchFirst, c.tags, { lengths: c.lengths, reduction: 'mean' });
    assertClose('loss', [loss as number], fixtures[`${c.name}.loss`].data, F32);
    assert.deepEqual(grad.shape, [B, T, K]);
    assertClose('grad (time-major again)', transpose(grad.data, 'tb'), fixtures[`${c.name}.grad_emissions`].data, F32);
    assert.deepEqual(await crf.decode(batchFirst, { lengths: c.lengths }), c.viterbi);
    const marginals = await crf.marginals(batchFirst, { lengths: c.lengths });
    assert.deepEqual(marginals.shape, [B, T, K]);
    assertClose('marginals', transpose(marginals.data, 'tb'), fixtures[`${c.name}.marginals`].data, F32);
  });
});

describe('CRF gradients match finite differences (float64)', () => {
  const ref64 = createReferenceBackend(Float64Array);
  const [T, B, K] = [5, 3, 5];
  const lengths = [5, 2, 4];
  for (const reduction of ['sum', 'mean', 'none', 'tokenMean'] as const) {
    for (const constrained of [false, true]) {
      it(`${reduction}, ragged lengths${constrained ? ', BIO constraints' : ''}`, () => {
        const constraints = constrained ? allowedTransitions('BIO', BIO_LABELS) : undefined;
        const params = new ParameterSet<Float64Array>(crfParameterSpecs(K), new Random(3));
        params.bind(ref64);
        // Scores of order one, so that every path matters.
        for (const p of params.list()) p.value.set(uniform(rng(p.value.length), p.value.length));
        const computation = new CrfComputation(ref64, K, params, constraints);
        const emissions = Float64Array.from(uniform(rng(11), T * B * K, -2, 2));
        const tags = [
          [1, 2, 0, 3, 4],
          [0, 1],
          [3, 4, 4, 0],
        ];
        const batch = { T, B, emissions, lengths };
        const loss = (): number => {
          const l = computation.negativeLogLikelihood(batch, tags, reduction).loss;
          return Array.isArray(l) ? l.reduce((s, v) => s + v, 0) : l;
        };
        params.zeroGrad();
        const { grad } = computation.negativeLogLikelihood(batch, tags, reduction);
        const checked: Checked[] = params.list().map((p) => ({ name: p.name, values: p.value, grad: Float64Array.from(p.grad) }));
        checked.push({ name: 'emissions', values: emissions, grad });
        gradcheck(checked, loss);
        // Padding steps get no gradient; forbidden moves neither (their score is −∞ whatever the parameter).
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++)
            if (t >= lengths[b]) assert.ok(grad.subarray((t * B + b) * K, (t * B + b + 1) * K).every((g) => g === 0));
        }
        if (constraints) {
          const dTransitions = params.get('transitions').grad;
          constraints.transitions.forEach((row, i) =>
            row.forEach((ok, j) => {
              if (!ok) assert.equal(dTransitions[i * K + j], 0, `forbidden ${BIO_LABELS[i]} → ${BIO_LABELS[j]}`);
            }),
          );
        }
      });
    }
  }
});

describe('CRF decoding, marginals and log Z against brute-force enumeration', () => {
  let wasm: Backend;
  before(async () => {
    wasm = await createWasmBackend({ threads: 1 });
  });

  for (const constrained of [false, true]) {
    it(`Viterbi, top-k in order, marginals and log Z, K 5, ragged lengths${constrained ? ', BIO constraints' : ''}`, async () => {
      const [T, B, K] = [5, 4, 5];
      const lengths = [5, 3, 1, 4];
      const random = rng(constrained ? 21 : 22);
      const scores = randomScores(random, K);
      const constraints = constrained ? allowedTransitions('BIO', BIO_LABELS) : undefined;
      const crf = new CRF({ numTags: K, backend: wasm, ...(constraints ? { constraints } : {}) });
      crf.loadStateDict(stateDict(scores, K));
      const emissions = { shape: [T, B, K], data: Float32Array.from(uniform(random, T * B * K, -2, 2)) };
      const decoded = await crf.decode(emissions, { lengths });
      const top = await crf.decodeTopK(emissions, 6, { lengths });
      const marginals = await crf.marginals(emissions, { lengths });
      const logZ = await crf.logPartition(emissions, { lengths });
      for (let b = 0; b < B; b++) {
        const L = lengths[b];
        const all = enumerate(emissions.data, B, K, b, L, scores, constraints);
        const z = logSumExp(all.map((p) => p.score));
        assert.deepEqual(decoded[b], all[0].tags, `sequence ${b}: Viterbi path`);
        const k = Math.min(6, all.length);
        assert.equal(top[b].length, k);
        assert.deepEqual(
          top[b].map((p) => p.tags),
          all.slice(0, k).map((p) => p.tags),
          `sequence ${b}: the ${k} best paths in order`,
        );
        assertClose(
          `sequence ${b}: top-k scores`,
          top[b].map((p) => p.score),
          all.slice(0, k).map((p) => p.score),
          F32,
        );
        assertClose(
          `sequence ${b}: top-k log-probabilities`,
          top[b].map((p) => p.logProbability),
          all.slice(0, k).map((p) => p.score - z),
          F32,
        );
        assertClose(`sequence ${b}: log Z`, [logZ[b]], [z], F32);
        // P(y_t = j) = Σ over paths through j at t of P(path).
        const want = new Float64Array(T * K);
        for (const p of all)
          p.tags.forEach((y, t) => {
            want[t * K + y] += Math.exp(p.score - z);
          });
        const got = Float64Array.from({ length: T * K }, (_, i) => marginals.data[(Math.floor(i / K) * B + b) * K + (i % K)]);
        assertClose(`sequence ${b}: marginals`, got, want, { atol: 2e-6, rtol: 1e-5 });
      }
    });
  }

  it('one sequence has fewer allowed paths than k: all of them, then no more', async () => {
    // BIO over O, B-X, I-X and two steps: O O, O B, B O, B B, B I (I cannot start or follow O).
    const crf = new CRF({ numTags: 3, backend: wasm, constraints: allowedTransitions('BIO', ['O', 'B-X', 'I-X']) });
    const emissions = { shape: [2, 1, 3], data: Float32Array.from(uniform(rng(4), 6)) };
    const top = await crf.decodeTopK(emissions, 10);
    assert.equal(top[0].length, 5);
    const total = top[0].reduce((s, p) => s + Math.exp(p.logProbability), 0);
    assertClose('probabilities of all allowed paths', [total], [1], { atol: 1e-5 });
  });

  it('constrained decoding never outputs a forbidden pair, where unconstrained decoding would', async () => {
    const [T, B, K] = [12, 40, 5];
    const random = rng(9);
    // Emissions that favour I- tags everywhere, and transitions that favour O → I-PER.
    const data = Float32Array.from(uniform(random, T * B * K, -1, 1));
    for (let i = 0; i < T * B; i++) data[i * K + 2] = data[i * K + 2] + 1.5;
    const scores = { start: uniform(random, K), end: uniform(random, K), transitions: uniform(random, K * K) };
    scores.transitions[0 * K + 2] = 3;
    const emissions = { shape: [T, B, K], data };
    const lengths = Array.from({ length: B }, (_, b) => 1 + (b % T));
    const constraints = allowedTransitions('BIO', BIO_LABELS);
    const free = new CRF({ numTags: K, backend: wasm });
    free.loadStateDict(stateDict(scores, K));
    const constrained = new CRF({ numTags: K, backend: wasm, constraints });
    constrained.loadStateDict(stateDict(scores, K));
    const invalid = (paths: number[][]): number => paths.filter((p) => firstViolation(p, constraints) !== undefined).length;
    assert.ok(invalid(await free.decode(emissions, { lengths })) > B / 2, 'without constraints most paths break BIO');
    assert.equal(invalid(await constrained.decode(emissions, { lengths })), 0);
    for (const paths of await constrained.decodeTopK(emissions, 4, { lengths })) {
      for (const p of paths) assert.equal(firstViolation(p.tags, constraints), undefined, `${p.tags}`);
    }
  });
});

describe('CRF layer', () => {
  const backend = createReferenceBackend();
  const [T, B, K] = [6, 3, 4];
  const random = rng(31);
  const emissions = { shape: [T, B, K], data: Float32Array.from(uniform(random, T * B * K, -2, 2)) };
  const lengths = [6, 2, 4];
  const tags = [
    [0, 1, 2, 3, 0, 1],
    [3, 3],
    [1, 0, 2, 2],
  ];

  it('initialises U(−0.1, 0.1) from its seed, in pytorch-crf order, and round-trips its state dict', () => {
    const crf = new CRF({ numTags: K, seed: 5 });
    const draw = new Random(5);
    const expected = [K, K, K * K].map((n) => Array.from({ length: n }, () => draw.uniform(-0.1, 0.1)));
    const dict = crf.stateDict();
    assert.deepEqual(Object.keys(dict), [...PARAMETERS]);
    assert.deepEqual(dict.transitions.shape, [K, K]);
    PARAMETERS.forEach((name, i) => assertClose(name, dict[name].data, Float32Array.from(expected[i]), { atol: 0, rtol: 0 }));
    const other = new CRF({ numTags: K, seed: 6 });
    other.loadStateDict(dict);
    PARAMETERS.forEach((name) => assertClose(name, other.stateDict()[name].data, dict[name].data, { atol: 0, rtol: 0 }));
  });

  it('padding never changes a loss, a gradient, a path or a marginal', async () => {
    const crf = new CRF({ numTags: K, seed: 2, backend });
    const garbage = { shape: emissions.shape, data: emissions.data.slice() };
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++) if (t >= lengths[b]) garbage.data.fill(100 * (t + b), (t * B + b) * K, (t * B + b + 1) * K);
    const padded = tags.map((list) => [...list, ...new Array<number>(T - list.length).fill(K - 1)]);
    const a = await crf.negativeLogLikelihood(emissions, tags, { lengths, reduction: 'none' });
    const gradsA = crf.gradients();
    crf.zeroGrad();
    const b = await crf.negativeLogLikelihood(garbage, padded, { lengths, reduction: 'none' });
    assertClose('losses', b.loss as number[], a.loss as number[], { atol: 0, rtol: 0 });
    assertClose('grad', b.grad.data, a.grad.data, { atol: 0, rtol: 0 });
    for (const name of PARAMETERS) assertClose(name, crf.gradients()[name].data, gradsA[name].data, { atol: 0, rtol: 0 });
    assert.deepEqual(await crf.decode(garbage, { lengths }), await crf.decode(emissions, { lengths }));
    assertClose('marginals', (await crf.marginals(garbage, { lengths })).data, (await crf.marginals(emissions, { lengths })).data, {
      atol: 0,
      rtol: 0,
    });
    // And a batch is its sequences run one at a time.
    for (let item = 0; item < B; item++) {
      const L = lengths[item];
      const alone = {
        shape: [L, 1, K],
        data: Float32Array.from({ length: L * K }, (_, i) => emissions.data[(Math.floor(i / K) * B + item) * K + (i % K)]),
      };
      const single = await crf.negativeLogLikelihood(alone, [tags[item]]);
      assertClose(`sequence ${item} alone`, [single.loss as number], [(a.loss as number[])[item]], { atol: 1e-5, rtol: 1e-6 });
    }
  });

  it('lengths default to the tag lists; reductions relate as pytorch-crf defines them', async () => {
    const crf = new CRF({ numTags: K, seed: 2, backend });
    const none = (await crf.negativeLogLikelihood(emissions, tags, { reduction: 'none' })).loss as number[];
    const total = none.reduce((s, v) => s + v, 0);
    const sum = await crf.negativeLogLikelihood(emissions, tags);
    assertClose('sum (the default)', [sum.loss as number], [total], { atol: 1e-6 });
    const mean = await crf.negativeLogLikelihood(emissions, tags, { reduction: 'mean' });
    assertClose('mean', [mean.loss as number], [total / B], { atol: 1e-6 });
    assertClose(
      'mean grad',
      mean.grad.data,
      sum.grad.data.map((g) => g / B),
      { atol: 1e-7 },
    );
    const tokenMean = await crf.negativeLogLikelihood(emissions, tags, { reduction: 'tokenMean' });
    assertClose('tokenMean', [tokenMean.loss as number], [total / 12], { atol: 1e-6 });
    assertClose(
      'tokenMean grad',
      tokenMean.grad.data,
      sum.grad.data.map((g) => g / 12),
      { atol: 1e-7 },
    );
  });

  it('parameter gradients accumulate until zeroGrad', async () => {
    const crf = new CRF({ numTags: K, seed: 2, backend });
    await crf.negativeLogLikelihood(emissions, tags);
    const once = crf.gradients();
    await crf.negativeLogLikelihood(emissions, tags);
    for (const name of PARAMETERS)
      assertClose(
        name,
        crf.gradients()[name].data,
        once[name].data.map((g) => 2 * g),
        { atol: 1e-6 },
      );
    assert.ok(once.transitions.data.some((g) => g !== 0));
    crf.zeroGrad();
    for (const name of PARAMETERS)
      assert.ok(
        crf.gradients()[name].data.every((g) => g === 0),
        name,
      );
  });

  it('rejects bad input with errors that name the problem', async () => {
    const crf = new CRF({ numTags: K, backend, constraints: allowedTransitions('BIO', ['O', 'B-A', 'I-A', 'B-B']) });
    const bad = async (promise: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp): Promise<void> => {
      await assert.rejects(promise, (e: Error) => e instanceof type && message.test(e.message), message.source);
    };
    await bad(crf.decode({ shape: [T, B], data: new Float32Array(T * B) }), ShapeError, /expected emissions \[T, B, K\], got a 2D tensor/);
    await bad(crf.decode({ shape: [T, B, 3], data: new Float32Array(T * B * 3) }), ShapeError, /numTags. Expected 4, got 3/);
    const nan = { shape: emissions.shape, data: emissions.data.slice() };
    nan.data[5] = NaN;
    await bad(crf.decode(nan), NonFiniteError, /element 5 is NaN/);
    await bad(crf.decode(emissions, { lengths: [6, 0, 1] }), ShapeError, /lengths\[1\] must be an integer in \[1, 6\], got 0/);
    await bad(crf.negativeLogLikelihood(emissions, [[0], [0]]), ShapeError, /one tag list per sequence \(3\), got 2/);
    await bad(crf.negativeLogLikelihood(emissions, [[0], [], [0]]), ShapeError, /tags\[1\] must hold 1 to 6 tags \(one per step\), got 0/);
    await bad(crf.negativeLogLikelihood(emissions, [[0, 1], [0, 4], [0]]), ShapeError, /tags\[1\]\[1\] must be a tag in \[0, 4\), got 4/);
    await bad(
      crf.negativeLogLikelihood(emissions, [[0, 1], [0, 1, 1], [0]], { lengths: [2, 2, 1] }),
      ShapeError,
      /tags\[1\] must hold lengths\[1\] = 2 tags \(or 6, padded\), got 3/,
    );
    await bad(
      crf.negativeLogLikelihood(emissions, [[0, 1], [0, 2], [3]]),
      UsageError,
      /tags\[1\] tag 0 → tag 2 at positions 1–2, which the constraints forbid/,
    );
    await bad(crf.negativeLogLikelihood(emissions, [[2], [0], [0]]), UsageError, /tags\[0\] starts with tag 2/);
    await bad(
      crf.negativeLogLikelihood(
        emissions,
        tags.map(() => [0]),
        { reduction: 'average' as CrfReduction },
      ),
      UsageError,
      /reduction must be 'sum', 'mean', 'none', 'tokenMean', got 'average'/,
    );
    await bad(crf.decodeTopK(emissions, 0), UsageError, /k must be a positive integer, got 0/);
    assert.throws(
      () => crf.loadStateDict({ start_transitions: { shape: [K], data: new Float32Array(K) } }),
      /missing end_transitions, transitions/,
    );
    assert.throws(
      () => crf.loadStateDict({ ...stateDict(randomScores(random, K), K), transitions: { shape: [K * K], data: new Float32Array(K * K) } }),
      /transitions must have shape \[4, 4\], got \[16\]/,
    );
    assert.throws(() => new CRF({ numTags: 0 }), /numTags must be a positive integer, got 0/);
    assert.throws(
      () => new CRF({ numTags: 2, constraints: allowedTransitions('BIO', ['O', 'B-A', 'I-A']) }),
      /constraints.start must be 2 booleans/,
    );
    // Tags that can never form a path: every sequence would start with I-A.
    const impossible = new CRF({ numTags: 1, backend, constraints: allowedTransitions('BIO', ['I-A']) });
    const one = { shape: [2, 1, 1], data: new Float32Array(2) };
    await bad(impossible.decode(one), UsageError, /the constraints allow no tag path of 2 steps \(sequence 0\)/);
    await bad(impossible.marginals(one), UsageError, /allow no tag path/);
    assert.deepEqual(await impossible.logPartition(one), [-Infinity]);
  });
});
