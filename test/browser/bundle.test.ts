// The playground's bundle (dist/playground, built by Vite from src/) holds nothing Node-only:
// the blas backend and its native dependency are reached only through a computed specifier
// that runs in Node, so the bundler leaves them out.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PLAYGROUND_DIR } from '../helpers/playground.js';

describe('playground bundle', () => {
  it('contains no koffi, no BLAS binding and no static import of a Node module', () => {
    const assets = join(PLAYGROUND_DIR, 'assets');
    // The bundled corpus of rnnkit's own source code is text, not code: it is left out.
    const scripts = readdirSync(assets).filter((name) => name.endsWith('.js') && !name.startsWith('rnnkit-source'));
    assert.ok(
      scripts.some((name) => name.startsWith('worker')),
      `no worker among ${scripts.join(', ')}`,
    );
    for (const name of scripts) {
      const code = readFileSync(join(assets, name), 'utf8');
      assert.doesNotMatch(code, /koffi|cblas_sgemm/, name);
      assert.doesNotMatch(code, /(from|import)\s*\(?\s*["']node:/, name);
    }
  });
});
