// Choosing the backend from the command line: blas by default when a system BLAS is found,
// --backend wasm|blas|reference explicitly, and `rnnkit info` saying what it found or why not.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertFails, runCli, runJson } from '../helpers/cli.js';
import { blasUnavailable, foundBlas } from '../helpers/blas.js';

const CORPUS = new URL('../../data/moby-dick.txt', import.meta.url);
const TINY = ['--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '16', '--steps', '2', '--val-fraction', '0.1'];
/** Points the library search at a file that does not exist: as a machine without a BLAS. */
const NO_BLAS = { RNNKIT_BLAS: '/nonexistent/libopenblas.so.0' };

describe('rnnkit --backend', () => {
  let dir: string;
  let data: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-cli-backend-'));
    data = join(dir, 'text.txt');
    writeFileSync(data, readFileSync(CORPUS, 'utf8').slice(50000, 56000));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const train = (extra: string[], env: Record<string, string> = {}): { backend: string } => {
    const r = runCli(['train', 'lm', '--data', data, '--out', join(dir, 'lm.safetensors'), '--json', ...TINY, ...extra], undefined, env);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { backend: string };
  };

  it('trains on the backend asked for, and reports it', () => {
    assert.match(train(['--backend', 'wasm', '--threads', '1']).backend, /^wasm \(SIMD, 1 thread\)$/);
    assert.match(train(['--backend', 'reference']).backend, /^reference/);
  });

  it('without a BLAS, defaults to wasm, and --backend blas fails saying why', () => {
    assert.match(train(['--threads', '1'], NO_BLAS).backend, /^wasm/);
    assertFails(
      runCli(['train', 'lm', '--data', data, '--out', join(dir, 'x.safetensors'), ...TINY, '--backend', 'blas'], undefined, NO_BLAS),
      1,
      /blas backend: cannot open \/nonexistent\/libopenblas\.so\.0/,
    );
    const info = runJson<{ blas: { found: boolean; reason: string }; defaultBackend: string }>(['info'], undefined, NO_BLAS);
    assert.deepEqual(info.blas, { found: false, reason: 'cannot open /nonexistent/libopenblas.so.0' });
    assert.equal(info.defaultBackend, 'wasm');
  });

  it('rejects an unknown backend as a usage error', () => {
    assertFails(
      runCli(['train', 'lm', '--data', data, '--out', join(dir, 'y.safetensors'), '--backend', 'gpu']),
      2,
      /--backend.*gpu.*wasm, blas, reference/,
    );
  });

  it('with a BLAS, defaults to blas, and info names the library, its version and threads', { skip: blasUnavailable() }, () => {
    const library = foundBlas();
    const prefix = `blas (${library.vendor} ${library.version}`;
    assert.ok(train([]).backend.startsWith(prefix), 'the default');
    const explicit = train(['--backend', 'blas', '--threads', '1']).backend;
    assert.ok(explicit.startsWith(prefix), explicit);
    assert.match(explicit, /wasm SIMD, 1 thread\)$/);
    const info = runJson<{
      blas: { found: boolean; vendor: string; version: string; library: string; threads: number | null };
      defaultBackend: string;
      backends: { description: string; gflops: number }[];
      maxDifference: number;
    }>(['info']);
    assert.equal(info.blas.found, true);
    assert.equal(info.blas.vendor, library.vendor);
    assert.equal(info.blas.version, library.version);
    assert.equal(info.blas.library, library.path);
    if (library.threads() !== undefined) assert.ok(Number.isInteger(info.blas.threads) && info.blas.threads! >= 1);
    assert.equal(info.defaultBackend, 'blas');
    assert.equal(info.backends.length, 3);
    assert.ok(info.backends[2].description.startsWith(prefix));
    assert.ok(info.maxDifference < 1e-3);
    const text = runCli(['info']);
    assert.match(text.stdout, new RegExp(`system BLAS: ${library.vendor} .* from ${library.path.replace(/[.]/g, '\\.')}`));
  });
});
