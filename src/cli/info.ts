/**
 * `rnnkit info`: what this machine gives rnnkit — the WebAssembly instruction set and
 * threads, the system BLAS (which library, its version and threads, or why none is used),
 * the backend chosen by default — plus a self-check of the product kernels against the
 * reference and a quick matrix-product throughput of each backend. With `--model`, what a
 * model file holds instead (see model-info.ts).
 */
import type { Command } from 'commander';
import type { Backend } from '../backend/backend.js';
import { createBlasBackend } from '../backend/blas/index.js';
import { openBlas } from '../backend/blas/library.js';
import { createReferenceBackend } from '../backend/reference/index.js';
import { createWasmBackend } from '../backend/wasm/index.js';
import { detectFeatures } from '../backend/wasm/loader.js';
import { RnnkitError } from '../errors.js';
import { describeModelFile, printModelReport } from './model-info.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('show the compute backend, check its kernels and measure matrix-product speed; or describe a model file')
    .option('--model <file>', 'describe this model file instead: type, settings, vocabularies, parameters')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ rnnkit info --json\n  $ rnnkit info --model ner.safetensors')
    .action(async (options: { model?: string; json?: boolean }) => {
      if (options.model !== undefined) {
        const described = await describeModelFile(options.model);
        if (options.json) process.stdout.write(`${JSON.stringify(described)}\n`);
        else printModelReport(described);
        return;
      }
      const report = await collect();
      if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else printReport(report);
    });
}

/** The system BLAS as found, or why none is used. */
type BlasReport =
  { found: true; vendor: string; version: string; library: string; threads: number | null } | { found: false; reason: string };

interface InfoReport {
  features: ReturnType<typeof detectFeatures>;
  blas: BlasReport;
  /** The backend used when none is asked for. */
  defaultBackend: string;
  backends: { description: string; gflops: number }[];
  /** Largest difference of any backend's products from the reference in the self-check. */
  maxDifference: number;
}

const SIZE = 512;

async function collect(): Promise<InfoReport> {
  const features = detectFeatures();
  const search = await openBlas();
  const backends = [await createWasmBackend({ threads: 1 }), await createWasmBackend()];
  if (search.found) backends.push(await createBlasBackend());
  try {
    const maxDifference = Math.max(...backends.map(selfCheck));
    const blas: BlasReport = search.found
      ? {
          found: true,
          vendor: search.library.vendor,
          version: search.library.version,
          library: search.library.path,
          threads: search.library.threads() ?? null,
        }
      : { found: false, reason: search.reason };
    return {
      features,
      blas,
      defaultBackend: search.found ? 'blas' : 'wasm',
      maxDifference,
      backends: backends.map((b) => ({ description: b.description, gflops: measure(b) })),
    };
  } finally {
    for (const backend of backends) backend.dispose();
  }
}

// A 67×45×41 product (large enough for BLAS to take it) with every transpose against the
// reference; returns the largest difference.
function selfCheck(backend: Backend): number {
  const reference = createReferenceBackend();
  const [m, n, k] = [67, 45, 41];
  let worst = 0;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
      const want = new Float32Array(m * n);
      reference.gemm(transA, transB, m, n, k, 1, a, transA ? m : k, b, transB ? k : n, 0, want, n);
      const [wa, wb, wc] = [backend.alloc(a.length), backend.alloc(b.length), backend.alloc(m * n)];
      wa.set(a);
      wb.set(b);
      backend.gemm(transA, transB, m, n, k, 1, wa, transA ? m : k, wb, transB ? k : n, 0, wc, n);
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - wc[i]));
      for (const buffer of [wa, wb, wc]) backend.free(buffer);
    }
  }
  if (!(worst < 1e-3)) throw new RnnkitError(`kernel self-check of ${backend.name} failed: max difference ${worst}`);
  return worst;
}

// GFLOP/s of a square product, best of a few repetitions.
function measure(backend: Backend): number {
  const [a, b, c] = [backend.alloc(SIZE * SIZE), backend.alloc(SIZE * SIZE), backend.alloc(SIZE * SIZE)];
  a.fill(0.5);
  b.fill(0.25);
  let best = Infinity;
  for (let r = 0; r < 8; r++) {
    const start = performance.now();
    backend.gemm(false, false, SIZE, SIZE, SIZE, 1, a, SIZE, b, SIZE, 0, c, SIZE);
    best = Math.min(best, performance.now() - start);
  }
  for (const buffer of [a, b, c]) backend.free(buffer);
  return (2 * SIZE ** 3) / (best * 1e6);
}

function printReport(report: InfoReport): void {
  const f = report.features;
  const yes = (v: boolean): string => (v ? 'yes' : 'no');
  process.stdout.write(
    `WebAssembly SIMD: ${yes(f.simd)}   relaxed SIMD (FMA): ${yes(f.relaxedSimd)}   threads: ${yes(f.threads)}\n` +
      `${describeBlas(report.blas)}\n` +
      `default backend: ${report.defaultBackend}\n` +
      `kernel self-check against the reference: max difference ${report.maxDifference.toExponential(2)}\n`,
  );
  for (const b of report.backends) {
    process.stdout.write(`${b.description}: ${b.gflops.toFixed(1)} GFLOP/s on a ${SIZE}×${SIZE}×${SIZE} product\n`);
  }
}

function describeBlas(blas: BlasReport): string {
  if (!blas.found) return `system BLAS: not used (${blas.reason})`;
  const threads = blas.threads === null ? 'its own threads' : `${blas.threads} thread${blas.threads === 1 ? '' : 's'}`;
  return `system BLAS: ${blas.vendor} ${blas.version} from ${blas.library}, ${threads}`;
}
