// The forecasting example runs end to end on a small budget (its quality is measured
// with the default budget and reported in the README).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const script = fileURLToPath(new URL('../../examples/forecast-births.ts', import.meta.url));

describe('examples/forecast-births.ts', () => {
  it('trains a forecaster on daily births and reports its error beside the naive forecasts', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--seconds', '2', '--threads', '1', '--json'], {
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const summary = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      steps: number;
      mae: number;
      naiveLastValueMae: number;
      naiveSameWeekdayMae: number;
    };
    assert.ok(summary.steps >= 1);
    assert.ok(Number.isFinite(summary.mae) && summary.mae > 0, JSON.stringify(summary));
    // The naive forecasts do not depend on training: the data's own figures.
    assert.ok(summary.naiveLastValueMae > 800 && summary.naiveLastValueMae < 1000, JSON.stringify(summary));
    assert.ok(summary.naiveSameWeekdayMae > 250 && summary.naiveSameWeekdayMae < 350, JSON.stringify(summary));
  });
});
