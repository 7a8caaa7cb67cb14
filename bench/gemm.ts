/**
 * `npm run bench -- gemm`: single-precision matrix products in GFLOP/s — the
 * reference backend, the wasm backend on one thread and on all threads, the blas
 * backend (the system BLAS through koffi, all threads) and TensorFlow.js's wasm backend
 * (XNNPACK, `tf.matMul`) measured in the same run, interleaved; then, shape by shape,
 * PyTorch's torch.mm (bench/reference/torch_gemm.py, in its own process, on as many threads)
 * right after the others and the blas backend once more right after PyTorch (its best counts),
 * so that both see the machine in about the same state — with the ratios against TensorFlow.js
 * and PyTorch, and the engine's 4-wide SIMD ceiling.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { Backend } from '../src/backend/backend.js';
import { createBlasBackend } from '../src/backend/blas/index.js';
import { createReferenceBackend } from '../src/backend/reference/index.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { type Contender, fmt, measure, table } from './harness.js';
import { runTorchGemm, type TorchGemmResults } from './peers/torch-gemm.js';

/** [M, K, N]: C[M, N] = A[M, K] · B[K, N]. */
const SHAPES: [number, number, number][] = [
  [256, 256, 256],
  [512, 512, 512],
  [1024, 1024, 1024],
  [32, 512, 2048],
  [2048, 512, 2048],
  [32, 128, 512],
];

/** Seconds PyTorch measures each shape. */
const TORCH_SECONDS = 1.5;
/** PyTorch's statistic (torch_gemm.py): the best 20 ms window over TORCH_SECONDS, measured the same way for the blas backend. */
const TORCH_WINDOWS = { rounds: (TORCH_SECONDS * 1000) / 20, minMs: 20 } as const;

export async function benchGemm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const reference = createReferenceBackend();
  const single = await createWasmBackend({ threads: 1 });
  const all = await createWasmBackend();
  const blas = await createBlasBackend().catch((error: unknown) => {
    console.log(`note: blas backend skipped: ${(error as Error).message}`);
    return undefined;
  });
  const ceiling = await simdCeiling();
  console.log(`wasm backends: ${single.description}; ${all.description}`);
  if (blas !== undefined) console.log(`blas backend: ${blas.description}`);
  console.log(
    `tfjs: ${tf.getBackend()} backend, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, ` +
      `threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}`,
  );
  console.log(`4-wide SIMD ceiling without FMA (register-only mul+add chains): ${fmt(ceiling)} GFLOP/s per core\n`);

  const measured: { reference: number; one: number; many: number; blas: number | undefined; tfjs: number; torch: number | undefined }[] =
    [];
  let torchInfo: TorchGemmResults | undefined;
  const blasProduct = (m: number, k: number, n: number): Contender => {
    const [a, b, c] = operands(blas!, m, k, n);
    return { name: 'blas', run: () => blas!.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n) };
  };
  for (const [m, k, n] of SHAPES) {
    const flops = 2 * m * n * k;
    const [ra, rb, rc] = operands(reference, m, k, n);
    const [sa, sb, sc] = operands(single, m, k, n);
    const [aa, ab, ac] = operands(all, m, k, n);
    const ta = tf.tensor2d(ra, [m, k]);
    const tb = tf.tensor2d(rb, [k, n]);
    // The triple loop is slow: one timed call is enough.
    const [refResult] = measure(
      [{ name: 'reference', run: () => reference.gemm(false, false, m, n, k, 1, ra, k, rb, n, 0, rc, n) }],
      flops,
      { rounds: 1, minMs: 0, warmup: false },
    );
    const [one, many, tfjs, viaBlas] = measure(
      [
        { name: 'wasm 1 thread', run: () => single.gemm(false, false, m, n, k, 1, sa, k, sb, n, 0, sc, n) },
        { name: 'wasm all threads', run: () => all.gemm(false, false, m, n, k, 1, aa, k, ab, n, 0, ac, n) },
        { name: 'tfjs-wasm', run: () => tf.matMul(ta, tb).dispose() },
        ...(blas === undefined ? [] : [blasProduct(m, k, n)]),
      ],
      flops,
    );
    ta.dispose();
    tb.dispose();
    const torch = await runTorchGemm([[m, k, n]], TORCH_SECONDS, all.threads);
    torchInfo ??= torch;
    // The blas backend again right after PyTorch, so that both see the machine in about the same state.
    const again = blas === undefined ? undefined : measure([blasProduct(m, k, n)], flops, TORCH_WINDOWS)[0];
    measured.push({
      reference: refResult.rate / 1e9,
      one: one.rate / 1e9,
      many: many.rate / 1e9,
      blas: viaBlas === undefined || again === undefined ? undefined : Math.max(viaBlas.rate, again.rate) / 1e9,
      tfjs: tfjs.rate / 1e9,
      torch: torch?.results[`${m},${k},${n}`],
    });
  }
  if (torchInfo !== undefined) {
    const t = torchInfo;
    console.log(`PyTorch ${t.torch}, ${t.threads} threads, BLAS: ${t.blas} (${t.blas_threads ?? '?'} BLAS threads)`);
  }
  const opt = (v: number | undefined, digits = 1): string => (v === undefined ? '—' : fmt(v, digits));
  const rows = SHAPES.map(([m, k, n], i) => {
    const r = measured[i];
    const peer = r.torch;
    return [
      `${m}×${k} · ${k}×${n}`,
      fmt(r.reference),
      fmt(r.one),
      fmt(r.many),
      opt(r.blas),
      fmt(r.tfjs),
      opt(peer),
      fmt(r.one / r.tfjs, 2),
      fmt(r.many / r.tfjs, 2),
      opt(r.blas !== undefined && peer !== undefined ? r.blas / peer : undefined, 2),
      `${fmt((100 * r.one) / ceiling, 0)}%`,
    ];
  });
  const threads = `${all.threads}T`;
  console.log(
    table(
      [
        'GFLOP/s',
        'reference',
        'wasm 1T',
        `wasm ${threads}`,
        `blas ${threads}`,
        'tfjs-wasm',
        `PyTorch ${threads}`,
        '1T / tfjs',
        'all / tfjs',
        'blas / PyTorch',
        '1T / ceiling',
      ],
      rows,
    ),
  );
  single.dispose();
  all.dispose();
  blas?.dispose();
}

function operands(backend: Backend, m: number, k: number, n: number): [Float32Array, Float32Array, Float32Array] {
  const a = backend.alloc(m * k);
  const b = backend.alloc(k * n);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i) * 0.5;
  for (let i = 0; i < b.length; i++) b[i] = Math.cos(i) * 0.5;
  return [a, b, backend.alloc(m * n)];
}

// GFLOP/s of twelve independent mul+add chains in registers (bench/assembly/peak.ts).
/** The part of the AssemblyScript compiler's API the probe uses. */
type CompileString = (source: string, options: Record<string, unknown>) => Promise<{ binary: Uint8Array | null; error: Error | null }>;

/**
 * The compiler, loaded at run time through a specifier TypeScript does not follow: its type
 * declarations redeclare the global Array (`at()` returning T, never undefined), which must
 * stay out of the project's program.
 */
async function compileString(source: string, options: Record<string, unknown>): ReturnType<CompileString> {
  const specifier = 'assemblyscript/asc';
  const asc = (await import(specifier)) as { compileString: CompileString };
  return asc.compileString(source, options);
}

async function simdCeiling(): Promise<number> {
  const source = readFileSync(new URL('./assembly/peak.ts', import.meta.url), 'utf8');
  const { binary, error } = await compileString(source, { optimizeLevel: 3, runtime: 'stub', enable: ['simd'] });
  if (error || !binary) throw error ?? new Error('cannot compile the SIMD ceiling probe');
  // Compiled asynchronously: V8 tiers synchronously compiled modules up much later, if at all.
  const { instance } = await WebAssembly.instantiate(binary as Uint8Array<ArrayBuffer>);
  const peak = instance.exports.peak as (iterations: number, seed: number) => number;
  // Many short calls first: V8 tiers a function up to its optimizing compiler between calls, not within one.
  for (let i = 0; i < 2000; i++) peak(1000, 1e-7);
  const iterations = 5e6;
  const [result] = measure([{ name: 'peak', run: () => void peak(iterations, 1e-7) }], iterations * 96, { minMs: 100 });
  return result.rate / 1e9;
}
