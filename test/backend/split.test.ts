import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  block,
  MIN_PARALLEL_UNITS,
  MIN_PARALLEL_WORK,
  plan,
  planRows,
  planUnits,
  splitCellArguments,
} from '../../src/backend/wasm/split.js';

describe('work splitting', () => {
  it('keeps a small product or a single thread on the calling thread', () => {
    assert.deepEqual(plan(2, 16, 16, 16), { parts: 1, columns: true, extent: 16, chunk: 16 });
    assert.deepEqual(plan(1, 512, 512, 512), { parts: 1, columns: true, extent: 512, chunk: 512 });
  });

  it('splits a wide product by columns in blocks of 8, a tall one by rows in blocks of 4', () => {
    // 64·100·64 multiply-adds = 3.1 × MIN_PARALLEL_WORK: 3 threads of 4 take part.
    assert.equal(Math.floor((64 * 100 * 64) / MIN_PARALLEL_WORK), 3);
    const wide = plan(4, 64, 100, 64);
    assert.deepEqual(wide, { parts: 3, columns: true, extent: 100, chunk: 40 });
    assert.deepEqual(
      [0, 1, 2].map((t) => block(wide, t)),
      [
        { start: 0, size: 40 },
        { start: 40, size: 40 },
        { start: 80, size: 20 },
      ],
    );
    const tall = plan(2, 1001, 300, 300);
    assert.deepEqual(tall, { parts: 2, columns: false, extent: 1001, chunk: 504 });
    assert.deepEqual(block(tall, 1), { start: 504, size: 497 });
  });

  it('splits a fused LSTM step by hidden units in whole micro-panels, never more parts than panels', () => {
    assert.deepEqual(planUnits(2, 32, 256), { parts: 2, columns: true, extent: 256, chunk: 128 });
    assert.deepEqual(planUnits(4, 512, 12), { parts: 2, columns: true, extent: 12, chunk: 8 });
    assert.deepEqual(planUnits(2, 1, 64), { parts: 1, columns: true, extent: 64, chunk: 64 });
  });

  it('splits a cell kernel by rows once rows × H reaches the threshold', () => {
    assert.equal(planRows(2, 1, MIN_PARALLEL_UNITS - 1).parts, 1);
    assert.deepEqual(planRows(2, 5, MIN_PARALLEL_UNITS), { parts: 2, columns: false, extent: 5, chunk: 3 });
    assert.equal(planRows(8, 3, MIN_PARALLEL_UNITS).parts, 3);
  });

  it("advances each part's pointers to its first row and gives it its row count", () => {
    // lstmCellForward(rows, H, gates [rows, 4H], cPrev, c, h [rows, H], y [rows, ldy], ldy, peepholes)
    const H = 1024;
    const split = planRows(2, 5, H);
    const args = [[5, H, 1000, 2000, 3000, 4000, 5000, 40, 77], new Array<number>(9).fill(0)];
    splitCellArguments('lstmCellForward', split, H, 40, args);
    assert.deepEqual(args[0], [3, H, 1000, 2000, 3000, 4000, 5000, 40, 77]);
    assert.deepEqual(args[1], [
      2,
      H,
      1000 + 4 * 3 * 4 * H,
      2000 + 4 * 3 * H,
      3000 + 4 * 3 * H,
      4000 + 4 * 3 * H,
      5000 + 4 * 3 * 40,
      40,
      77,
    ]);
  });
});
