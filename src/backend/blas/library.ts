/**
 * Finding and opening the system BLAS (Node only): OpenBLAS, Apple Accelerate, Intel MKL or
 * BLIS, through `koffi` (an optional dependency: a foreign-function interface with prebuilt
 * binaries). A library that cannot say which of these it is — typically `libblas.so.3` as the
 * Netlib reference implementation, some thirty times slower than the WebAssembly kernels — is
 * refused. Each library names its own identity function: OpenBLAS `openblas_get_config`, MKL
 * `MKL_Get_Version_String`, BLIS `bli_info_get_version_str`; Accelerate is known by its path.
 */
import { EnvironmentError } from '../../errors.js';
import type { ExternalGemm } from '../wasm/external.js';

/** Which implementation a library is. */
export type BlasVendor = 'OpenBLAS' | 'Accelerate' | 'MKL' | 'BLIS';

/** An opened, identified BLAS. */
export interface BlasLibrary {
  vendor: BlasVendor;
  /** Version (and, for OpenBLAS, the build's core name), e.g. `0.3.21 (Zen)`; `system` for Accelerate. */
  version: string;
  /** The name or path it was opened by. */
  path: string;
  /** The library's own thread count now, or `undefined` when it cannot be read (Accelerate). */
  threads(): number | undefined;
  /** Sets the library's thread count; false when the library offers no way to (Accelerate). */
  setThreads(count: number): boolean;
  sgemm: ExternalGemm;
}

/** The outcome of {@link openBlas}: a library, or why none could be used. */
export type BlasSearch = { found: true; library: BlasLibrary; tried: string[] } | { found: false; reason: string; tried: string[] };

/** The libraries tried, in order, on this platform. */
export function blasCandidates(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'darwin') {
    return [
      '/System/Library/Frameworks/Accelerate.framework/Accelerate',
      'libopenblas.dylib',
      '/opt/homebrew/opt/openblas/lib/libopenblas.dylib',
      '/usr/local/opt/openblas/lib/libopenblas.dylib',
      'libmkl_rt.dylib',
      'libmkl_rt.2.dylib',
    ];
  }
  if (platform === 'win32') return ['libopenblas.dll', 'openblas.dll', 'mkl_rt.2.dll', 'mkl_rt.dll'];
  return ['libopenblas.so.0', 'libopenblas.so', 'libmkl_rt.so.2', 'libmkl_rt.so', 'libblis.so.4', 'libblas.so.3'];
}

// CBLAS constants (cblas.h).
const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

/** The part of koffi this module uses. */
interface Koffi {
  load(path: string): KoffiLibrary;
}
interface KoffiLibrary {
  func(definition: string): (...args: unknown[]) => unknown;
  unload(): void;
}

/** The environment variable that names the BLAS library to open instead of searching. */
export const BLAS_LIBRARY_VARIABLE = 'RNNKIT_BLAS';

/**
 * Opens the first usable BLAS: `path` when given, else the library the environment variable
 * `RNNKIT_BLAS` names, else each of {@link blasCandidates} in turn. Never throws: what went
 * wrong is in `reason` (koffi missing, no library, a reference BLAS refused).
 */
export async function openBlas(path: string | undefined = process.env[BLAS_LIBRARY_VARIABLE] || undefined): Promise<BlasSearch> {
  const tried: string[] = [];
  let koffi: Koffi;
  try {
    const specifier = 'koffi';
    koffi = ((await import(/* @vite-ignore */ specifier)) as { default: Koffi }).default;
  } catch {
    return { found: false, reason: "the optional package 'koffi' is not installed (npm install koffi)", tried };
  }
  const refused: string[] = [];
  for (const candidate of path === undefined ? blasCandidates() : [path]) {
    tried.push(candidate);
    let handle: KoffiLibrary;
    try {
      handle = withShortThreadTimeout(() => koffi.load(candidate));
    } catch {
      continue;
    }
    const opened = identify(handle, candidate);
    if (typeof opened !== 'string') return { found: true, library: opened, tried };
    refused.push(opened);
    handle.unload();
  }
  const reason =
    refused.length > 0
      ? refused.join('; ')
      : path === undefined
        ? `no BLAS library found (tried ${tried.join(', ')})`
        : `cannot open ${path}`;
  return { found: false, reason, tried };
}

/**
 * OpenBLAS's variable for how long its worker threads poll for work after a product before they
 * sleep: 2^value CPU cycles (4 to 30), read once, when the library loads. Its default (2²⁸
 * cycles, about 0.1 s) keeps a core busy long after each product, taken from the WebAssembly
 * threads that run the cell kernels between products.
 */
export const THREAD_TIMEOUT_VARIABLE = 'OPENBLAS_THREAD_TIMEOUT';
/**
 * The thread timeout rnnkit loads OpenBLAS with, unless the environment sets one: 2¹⁴ cycles
 * (about 7 µs at 2.4 GHz), enough to bridge back-to-back products without waking the threads again, too
 * short to take a core from the cell kernels.
 */
export const SHORT_THREAD_TIMEOUT = '14';

/**
 * Runs `load` with {@link THREAD_TIMEOUT_VARIABLE} set to {@link SHORT_THREAD_TIMEOUT} unless
 * the environment already sets it, then restores the environment, so that processes this one
 * starts later (a PyTorch run, say) see the environment they were given.
 */
function withShortThreadTimeout<T>(load: () => T): T {
  if (process.env[THREAD_TIMEOUT_VARIABLE] !== undefined) return load();
  process.env[THREAD_TIMEOUT_VARIABLE] = SHORT_THREAD_TIMEOUT;
  try {
    return load();
  } finally {
    delete process.env[THREAD_TIMEOUT_VARIABLE];
  }
}

/** Like {@link openBlas}, but throws EnvironmentError with the reason when no library is usable. */
export async function requireBlas(path?: string): Promise<BlasLibrary> {
  const search = await openBlas(path);
  if (!search.found) throw new EnvironmentError(`blas backend: ${search.reason}`);
  return search.library;
}

/** A bound function, or undefined when the library lacks the symbol. */
function optional<T>(handle: KoffiLibrary, definition: string): T | undefined {
  try {
    return handle.func(definition) as T;
  } catch {
    return undefined;
  }
}

/** The library opened as `path` as a {@link BlasLibrary}, or the reason it is refused. */
function identify(handle: KoffiLibrary, path: string): BlasLibrary | string {
  const raw = optional<(...args: number[]) => void>(
    handle,
    'void cblas_sgemm(int order, int transA, int transB, ' +
      'int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)',
  );
  if (raw === undefined) return `${path} has no cblas_sgemm`;
  const sgemm = bindSgemm(raw as unknown as RawSgemm);
  const openblasConfig = optional<() => string>(handle, 'const char *openblas_get_config(void)');
  if (openblasConfig !== undefined) {
    const config = openblasConfig();
    const version = /OpenBLAS\s+([\d.]+)/.exec(config)?.[1] ?? 'unknown version';
    const core = optional<() => string>(handle, 'const char *openblas_get_corename(void)')?.();
    const get = optional<() => number>(handle, 'int openblas_get_num_threads(void)');
    const set = optional<(n: number) => void>(handle, 'void openblas_set_num_threads(int n)');
    return library('OpenBLAS', core ? `${version} (${core})` : version, path, sgemm, get, set);
  }
  const mklVersion = optional<(buffer: Uint8Array, length: number) => void>(
    handle,
    'void MKL_Get_Version_String(_Out_ uint8_t *buffer, int length)',
  );
  if (mklVersion !== undefined) {
    const buffer = new Uint8Array(256);
    mklVersion(buffer, buffer.length);
    const text = new TextDecoder().decode(buffer.subarray(0, Math.max(0, buffer.indexOf(0)))).trim();
    return library(
      'MKL',
      text.replace(/^Intel\(R\)\s*/, '') || 'unknown version',
      path,
      sgemm,
      optional(handle, 'int MKL_Get_Max_Threads(void)'),
      optional(handle, 'void MKL_Set_Num_Threads(int n)'),
    );
  }
  const blisVersion = optional<() => string>(handle, 'const char *bli_info_get_version_str(void)');
  if (blisVersion !== undefined) {
    return library(
      'BLIS',
      blisVersion(),
      path,
      sgemm,
      optional(handle, 'int bli_thread_get_num_threads(void)'),
      optional(handle, 'void bli_thread_set_num_threads(int n)'),
    );
  }
  if (/Accelerate\.framework/.test(path)) return library('Accelerate', 'system', path, sgemm, undefined, undefined);
  return `${path} is refused: it is neither OpenBLAS, MKL, BLIS nor Accelerate (most likely the slow Netlib ` + 'reference BLAS)';
}

function library(
  vendor: BlasVendor,
  version: string,
  path: string,
  sgemm: ExternalGemm,
  get: (() => number) | undefined,
  set: ((n: number) => void) | undefined,
): BlasLibrary {
  return {
    vendor,
    version,
    path,
    sgemm,
    threads: () => get?.(),
    setThreads: (count) => {
      if (set === undefined) return false;
      set(count);
      return true;
    },
  };
}

type RawSgemm = (
  order: number,
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;

/** cblas_sgemm in row-major order; the typed arrays reach the library as pointers to their elements (no copy). */
function bindSgemm(raw: RawSgemm): ExternalGemm {
  return (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
    raw(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
