/**
 * Finding a Python interpreter with PyTorch for the reference scripts of
 * `bench/reference/` (shared by `./torch.ts` and `./torch-lm.ts`).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Interpreters tried in order; the first that can `import torch` is used. */
export const TORCH_PYTHONS: readonly string[] = ['/usr/bin/python3', 'python3'];

let found: Promise<string | undefined> | undefined;

/**
 * The first interpreter of {@link TORCH_PYTHONS} that can `import torch`, or `undefined`
 * when none can. Looked up once per process (importing torch takes a second or two).
 */
export function findTorchPython(): Promise<string | undefined> {
  found ??= probe();
  return found;
}

async function probe(): Promise<string | undefined> {
  for (const python of TORCH_PYTHONS) {
    try {
      await run(python, ['-c', 'import torch'], { timeout: 60_000 });
      return python;
    } catch {
      // not this one
    }
  }
  return undefined;
}
