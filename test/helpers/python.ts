/** Finds a Python with torch for the PyTorch twin's tests (python/rnnkit_torch), and runs it. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The twin's package directory, for PYTHONPATH. */
export const TWIN_PATH = fileURLToPath(new URL('../../python', import.meta.url));

let found: string | null | undefined;

/**
 * A Python interpreter that imports torch: RNNKIT_PYTHON, else the first of python3,
 * /usr/bin/python3 (Debian's python3-torch) and python that does; undefined when none does.
 * `.ci/run` sets RNNKIT_REQUIRE_TORCH, which turns a missing one into an error.
 */
export function torchPython(): string | undefined {
  if (found === undefined) {
    const candidates = [process.env.RNNKIT_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter((c): c is string => c !== undefined);
    found = candidates.find((c) => spawnSync(c, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
    if (found === null && process.env.RNNKIT_REQUIRE_TORCH) throw new Error('no Python with torch found (apt-get install python3-torch)');
  }
  return found ?? undefined;
}

/** Why the twin's tests cannot run here, or undefined when they can. */
export function torchMissing(): string | undefined {
  return torchPython() === undefined ? 'no python3 with torch here (apt-get install python3-torch)' : undefined;
}

/** The environment of a twin process: PYTHONPATH with the package, plus `extra`. */
export function twinEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: TWIN_PATH, OMP_NUM_THREADS: '1', ...extra };
}
