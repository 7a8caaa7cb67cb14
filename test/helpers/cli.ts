/** Runs the rnnkit CLI from source in a child process, and checks failures as the CLI reports them. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `rnnkit args…`, with `input` on its stdin and `env` added to the environment. */
export function runCli(args: string[], input?: string, env: Record<string, string> = {}): CliResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    ...(input === undefined ? {} : { input }),
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** Runs `rnnkit args…` and returns its standard output as the bytes written. */
export function runCliBytes(args: string[]): { status: number | null; stdout: Buffer; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', main, ...args]);
  return { status: child.status, stdout: child.stdout, stderr: child.stderr.toString('utf8') };
}

/** Asserts a failure as the CLI reports it: the exit code, one `rnnkit: error:` line matching `message`, no stack. */
export function assertFails(r: CliResult, status: number, message: RegExp): void {
  assert.equal(r.status, status, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^rnnkit: error: /);
  assert.match(lines[0], message);
}

/** Runs a command that must succeed and parses its stdout as one JSON object. */
export function runJson<T>(args: string[], input?: string, env: Record<string, string> = {}): T {
  const r = runCli([...args, '--json'], input, env);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

/**
 * Spawns `rnnkit args…` and waits for it to end; `onStart` gets the child (e.g. to kill it).
 * With `shell`, bash runs those commands first (e.g. `ulimit -f 8;`) and then execs rnnkit.
 */
export function spawnCli(
  args: string[],
  onStart: (child: ChildProcess) => void = () => {},
  env: NodeJS.ProcessEnv = process.env,
  shell?: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const command = ['--import', 'tsx', main, ...args];
    const child =
      shell === undefined
        ? spawn(process.execPath, command, { stdio: ['ignore', 'ignore', 'pipe'], env })
        : spawn('bash', ['-c', `${shell} exec "$0" "$@"`, process.execPath, ...command], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
    onStart(child);
  });
}

/**
 * Runs `rnnkit args…` and kills it with SIGKILL `delayMs` after `file` exists (a checkpoint
 * written by --checkpoint-every: rename makes it appear whole), unless it has ended by then.
 */
export function runUntilKilled(args: string[], file: string, delayMs = 0): ReturnType<typeof spawnCli> {
  return spawnCli(args, (child) => {
    const poll = setInterval(() => {
      if (!existsSync(file)) return;
      clearInterval(poll);
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    }, 2);
    child.on('exit', () => clearInterval(poll));
  });
}

/**
 * {@link runUntilKilled}, asserting that the kill came before the run's end.
 * @throws AssertionError when the run ended before it could be killed.
 */
export async function killWhenWritten(args: string[], file: string, delayMs = 0): Promise<void> {
  const ended = await runUntilKilled(args, file, delayMs);
  assert.equal(ended.signal, 'SIGKILL', `the run ended (code ${ended.code}) before it was killed: ${ended.stderr}`);
}
