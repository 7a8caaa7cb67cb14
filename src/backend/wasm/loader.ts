/**
 * Chooses and compiles the kernel module. Four variants are embedded: plain or relaxed
 * SIMD (relaxed brings fused multiply-add where the engine has it), each with an
 * unshared or a shared (thread-capable) memory import. Detection validates the
 * candidate binaries themselves, so it asks the engine exactly what it will run.
 */
import { EnvironmentError } from '../../errors.js';
import { kernelBinaries } from './binaries.generated.js';

/** What the engine offers, as detected. */
export interface WasmFeatures {
  /** WebAssembly SIMD (required). */
  simd: boolean;
  /** Relaxed SIMD (fused multiply-add). */
  relaxedSimd: boolean;
  /** Shared memory and workers that can use it (Node, or a cross-origin-isolated page). */
  threads: boolean;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

const bytesCache = new Map<keyof typeof kernelBinaries, Uint8Array<ArrayBuffer>>();
function binary(key: keyof typeof kernelBinaries): Uint8Array<ArrayBuffer> {
  let bytes = bytesCache.get(key);
  if (bytes === undefined) {
    bytes = decodeBase64(kernelBinaries[key]);
    bytesCache.set(key, bytes);
  }
  return bytes;
}

/** True in Node.js (where worker_threads stand in for Web Workers). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function sharedMemoryUsable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (!isNode() && !(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/** Detects SIMD, relaxed SIMD and shared-memory threads in this engine. */
export function detectFeatures(): WasmFeatures {
  return {
    simd: WebAssembly.validate(binary('simd')),
    relaxedSimd: WebAssembly.validate(binary('relaxed')),
    threads: sharedMemoryUsable() && (isNode() || typeof Worker !== 'undefined'),
  };
}

/** A compiled kernel module and what it was built for. */
export interface KernelModule {
  module: WebAssembly.Module;
  relaxedSimd: boolean;
  sharedMemory: boolean;
}

/**
 * Compiles the best kernel variant for the requested features.
 * @throws EnvironmentError when the engine lacks WebAssembly SIMD.
 */
export async function compileKernels(relaxedSimd: boolean, sharedMemory: boolean): Promise<KernelModule> {
  const key = relaxedSimd ? (sharedMemory ? 'relaxedShared' : 'relaxed') : sharedMemory ? 'simdShared' : 'simd';
  if (!WebAssembly.validate(binary(key))) {
    throw new EnvironmentError(
      'this JavaScript engine lacks WebAssembly SIMD, which the wasm backend needs; ' + "use the 'reference' backend instead",
    );
  }
  const module = await WebAssembly.compile(binary(key));
  return { module, relaxedSimd, sharedMemory };
}
