// Property-based tests (fast-check) of every reader of outside bytes: safetensors, model files,
// checkpoints, CSV/TSV, CoNLL and JSON Lines. Whatever the damage — truncation, flipped
// bytes, spliced garbage, huge declared sizes, wrong dtypes, random text — a reader either
// reads or throws a FormatError naming the file; never another exception, never a hang.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { parseConll } from '../../src/data/readers/conll.js';
import { parseFrameLines } from '../../src/data/readers/frames.js';
import { numericColumn, parseTable } from '../../src/data/readers/table.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { FormatError } from '../../src/errors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { loadModel, modelToBytes } from '../../src/io/model-file.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { SequenceTagger } from '../../src/models/sequence-tagger.js';
import { suiteDir } from '../helpers/temp.js';

/** Runs `read`; passes when it returns or throws a FormatError whose message starts with `source` (when given). */
async function readsOrFormatError(read: () => unknown, source?: string): Promise<void> {
  try {
    await read();
  } catch (error) {
    if (!(error instanceof FormatError)) throw new Error(`expected a FormatError, got ${String(error)}`, { cause: error });
    if (source !== undefined && !error.message.startsWith(source)) throw new Error(`the error does not name ${source}: ${error.message}`);
  }
}

/** Damage to a byte string: a truncation, flipped bytes, a spliced run of garbage, or an overwritten 8-byte size. */
const damage = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: Math.max(0, length - 1) }) }),
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.array(fc.nat({ max: length - 1 }), { minLength: 1, maxLength: 6 }),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({
      kind: fc.constant('splice' as const),
      at: fc.nat({ max: length - 1 }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
    }),
    fc.record({ kind: fc.constant('size' as const), at: fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7), value: fc.integer({ min: 1, max: 255 }) }),
  );
type Damage = typeof damage extends (n: number) => fc.Arbitrary<infer D> ? D : never;

function apply(bytes: Uint8Array, d: Damage): Uint8Array {
  const out = Uint8Array.from(bytes);
  switch (d.kind) {
    case 'truncate':
      return out.subarray(0, d.at);
    case 'flip':
      for (const i of d.at) out[i] ^= d.mask;
      return out;
    case 'splice':
      return Uint8Array.from([...out.subarray(0, d.at), ...d.bytes, ...out.subarray(d.at)]);
    case 'size':
      out[d.at] = d.value;
      return out; // the header length, little-endian u64
  }
}

/** A safetensors header's JSON with a tensor entry replaced, then the file laid out as the format says. */
function withHeader(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('readers under random damage (fast-check)', () => {
  let backend: Backend<Float32Array>;
  let model: Uint8Array;
  let checkpoint: Uint8Array;
  const at = suiteDir('rnnkit-fuzz-');
  before(async () => {
    backend = createReferenceBackend(Float32Array);
    const lm = await LanguageModel.create({
      tokenizer: CharTokenizer.fromText('abc de'),
      hiddenSize: 3,
      embeddingDim: 2,
      seed: 1,
      backend,
    });
    model = modelToBytes(lm);
    const tagger = SequenceTagger.create({
      vocabSize: 4,
      numTags: 3,
      hiddenSize: 2,
      embeddingDim: 2,
      backend,
      vocabularies: { tokens: ['<unk>', 'a', 'b', 'c'], labels: ['B-X', 'I-X', 'O'] },
    });
    checkpoint = modelToBytes(tagger, {
      tensors: { 'checkpoint.optimizer.encoder.weight.m': { shape: [2], data: Float32Array.of(1, 2) } },
      metadata: {
        checkpoint: JSON.stringify({
          step: 3,
          epoch: 0,
          batch: 3,
          tokens: 9,
          smoothedLoss: 0.5,
          skipped: 0,
          random: [1, 2, 3, 4],
          optimizerStep: 3,
          optimizerLr: 0.01,
          settings: {},
        }),
      },
    });
  });

  it('readSafetensors: a damaged file is read or refused with a FormatError', async () => {
    await fc.assert(
      fc.asyncProperty(damage(400), async (d) => {
        await readsOrFormatError(() => readSafetensors(apply(model, d)));
      }),
      { numRuns: 300 },
    );
  });

  it('readSafetensors: huge or inconsistent declared sizes, shapes, offsets and dtypes are refused before any allocation', async () => {
    const data = new Uint8Array(16);
    const entry = fc.record({
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'F8_E4M3', 'X', ''),
      shape: fc.array(fc.oneof(fc.nat(5), fc.constant(2 ** 31), fc.constant(2 ** 53), fc.constant(-1), fc.constant(1.5)), { maxLength: 4 }),
      data_offsets: fc.tuple(fc.oneof(fc.nat(20), fc.constant(2 ** 53), fc.constant(-4)), fc.oneof(fc.nat(20), fc.constant(2 ** 40))),
    });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('a', 'b', '__metadata__'), entry, { minKeys: 1 }), async (header) => {
        await readsOrFormatError(() => readSafetensors(withHeader(header, data)));
      }),
      { numRuns: 300 },
    );
    // A header length of 2^60 bytes in a 24-byte file.
    const huge = new Uint8Array(24);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
    assert.throws(() => readSafetensors(huge), FormatError);
  });

  it('loadModel and loadCheckpoint: a damaged file is read or refused with a FormatError naming it', async () => {
    const path = at('damaged.safetensors');
    await fc.assert(
      fc.asyncProperty(fc.boolean(), damage(600), async (isCheckpoint, d) => {
        writeFileSync(path, apply(isCheckpoint ? checkpoint : model, d));
        await readsOrFormatError(() => (isCheckpoint ? loadCheckpoint(path, { backend }) : loadModel(path, { backend })), path);
      }),
      { numRuns: 300 },
    );
  });

  it('loadModel: a config whose sizes the tensors do not hold is refused without building a huge model', async () => {
    const tensors = readSafetensors(model);
    const meta = (tensors as { __metadata__?: Record<string, string> }).__metadata__!;
    const config = JSON.parse(meta.config) as Record<string, unknown>;
    const path = at('huge.safetensors');
    for (const [key, value] of [
      ['hiddenSize', 2 ** 30],
      ['embeddingDim', 10 ** 9],
      ['numLayers', 10 ** 6],
    ] as const) {
      const weights = Object.fromEntries(Object.entries(tensors).filter(([name]) => name !== '__metadata__'));
      writeFileSync(path, writeSafetensors(weights, { ...meta, config: JSON.stringify({ ...config, [key]: value }) }));
      await assert.rejects(loadModel(path, { backend }), (e: Error) => e instanceof FormatError && e.message.startsWith(path), key);
    }
  });

  it('CSV/TSV, CoNLL and JSON Lines: random text is read or refused with a FormatError naming the source', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({
        unit: fc.constantFrom('a', '1', ',', '\t', '"', '\n', '\r', ' ', '-', 'e', '.', '{', '}', '[', ']', ':', 'N', 'I'),
        maxLength: 200,
      }),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        await readsOrFormatError(() => {
          const table = parseTable(t, { source: 'f.csv' });
          for (const column of table.columns) numericColumn(table, column);
        }, 'f.csv');
        await readsOrFormatError(() => parseTable(t, { source: 'f.tsv' }), 'f.tsv');
        await readsOrFormatError(() => parseConll(t, 'f.conll'), 'f.conll');
        await readsOrFormatError(() => parseFrameLines(t, 'f.jsonl', false), 'f.jsonl');
      }),
      { numRuns: 500 },
    );
    const line = fc.jsonValue().map((v) => JSON.stringify(v));
    const frames = fc
      .record({
        input: fc.array(fc.array(fc.oneof(fc.double(), fc.integer(), fc.string()), { maxLength: 3 }), { maxLength: 3 }),
        target: fc.oneof(fc.string(), fc.integer()),
      })
      .map((v) => JSON.stringify(v));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(line, frames), { minLength: 1, maxLength: 5 }), async (lines) => {
        await readsOrFormatError(() => parseFrameLines(lines.join('\n'), 'g.jsonl', true), 'g.jsonl');
      }),
      { numRuns: 300 },
    );
  });
});
