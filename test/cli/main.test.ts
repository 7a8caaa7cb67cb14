import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

describe('rnnkit CLI conventions', () => {
  it('a usage error exits 2 with one rnnkit: error: line and no stack', () => {
    for (const args of [['bogus'], ['info', '--nope']]) {
      const r = runCli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^rnnkit: error: /);
      assert.equal(r.stdout, '');
    }
  });

  it('--help exits 0 and lists the commands; each command has an example', () => {
    const r = runCli(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /info/);
    const info = runCli(['info', '--help']);
    assert.equal(info.status, 0);
    assert.match(info.stdout, /Examples?:\n\s+\$ rnnkit info/);
  });

  it('info --json reports the features, a passing self-check and a throughput per backend', () => {
    const r = runCli(['info', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      features: { simd: boolean };
      blas: { found: boolean };
      backends: { description: string; gflops: number }[];
      maxDifference: number;
    };
    assert.equal(report.features.simd, true);
    assert.ok(report.maxDifference < 1e-3);
    assert.equal(report.backends.length, report.blas.found ? 3 : 2);
    assert.match(report.backends[0].description, /1 thread/);
    for (const b of report.backends) assert.ok(b.gflops > 0, `${b.description}: ${b.gflops}`);
  });
});
