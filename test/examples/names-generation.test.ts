// The generation example runs end to end on a small budget (its quality is measured with
// the default budget and reported in the README).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const script = fileURLToPath(new URL('../../examples/names-generation.ts', import.meta.url));

describe('examples/names-generation.ts', () => {
  for (const conditioning of ['initial-state', 'every-step']) {
    it(`trains a ${conditioning} conditioned name generator and reports held-out bits per character`, () => {
      const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--seconds', '2', '--threads', '1', '--conditioning',
        conditioning, '--json'], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      const summary = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { steps: number; bitsPerChar: number;
        bitsPerCharSwapped: number; samples: string[][] };
      assert.ok(summary.steps >= 1);
      assert.ok(summary.bitsPerChar > 0 && summary.bitsPerChar < 8, JSON.stringify(summary));
      assert.ok(Number.isFinite(summary.bitsPerCharSwapped));
      assert.deepEqual(summary.samples.map((s) => s.length), [8, 8]);
    });
  }
});
