/**
 * What the commands share: number parsers that reject bad values as usage errors (exit
 * 2), the backend options, reading text files, and writing results as text or one JSON object.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES, type BackendName, createDefaultBackend, setBackend } from '../backend/select.js';
import { FormatError } from '../errors.js';
import { readFileBytes } from '../io/atomic-file.js';

/** A parser for integers ≥ `min`. */
export function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer ≥ ${min}, got '${value}'`);
    }
    return n;
  };
}

/** A parser for finite numbers in [min, max] (`exclusiveMin`: (min, max]). */
export function number(min: number, max = Infinity, exclusiveMin = false): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const ok = value.trim() !== '' && Number.isFinite(n) && (exclusiveMin ? n > min : n >= min) && n <= max;
    if (!ok) {
      const range = max === Infinity ? `${exclusiveMin ? '>' : '≥'} ${min}` : `in ${exclusiveMin ? '(' : '['}${min}, ${max}]`;
      throw new InvalidArgumentError(`expected a number ${range}, got '${value}'`);
    }
    return n;
  };
}

/** Options every computing command takes. */
export interface BackendFlags {
  /** Absent: blas when a system BLAS is found, else wasm. */
  backend?: BackendName;
  threads?: number;
}

/** Adds `--backend` and `--threads`. */
export function withBackendOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--backend <name>', 'compute backend (default: blas when a system BLAS is found, else wasm)').choices(BACKEND_NAMES),
    )
    .option('--threads <n>', 'threads for the wasm and blas backends (default: all cores)', integer(1));
}

/** Creates the backend the flags ask for. */
export async function useBackend(flags: BackendFlags): Promise<void> {
  const options = flags.threads === undefined ? {} : { threads: flags.threads };
  await setBackend(flags.backend ?? (await createDefaultBackend(options)), options);
}

/** Prints one JSON object on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Reads a UTF-8 text file (possibly empty). @throws FormatError on bytes that are not UTF-8. */
export async function readUtf8(path: string): Promise<string> {
  const bytes = await readFileBytes(path);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${path} is not UTF-8 text`);
  }
}

/** Reads a UTF-8 text file that has some text. @throws FormatError naming the file when it is empty or not UTF-8. */
export async function readText(path: string): Promise<string> {
  const text = await readUtf8(path);
  if (text.length === 0) throw new FormatError(`${path} is empty`);
  return text;
}
