/** Runs the rnnkit CLI from source in a child process, and checks failures as SPEC §4 wants them. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `rnnkit args…`, with `input` on its stdin. */
export function runCli(args: string[], input?: string): CliResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** Asserts a failure as SPEC §4 wants it: the exit code, one `rnnkit: error:` line matching `message`, no stack. */
export function assertFails(r: CliResult, status: number, message: RegExp): void {
  assert.equal(r.status, status, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^rnnkit: error: /);
  assert.match(lines[0]!, message);
}

/** Runs a command that must succeed and parses its stdout as one JSON object. */
export function runJson<T>(args: string[], input?: string): T {
  const r = runCli([...args, '--json'], input);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}
