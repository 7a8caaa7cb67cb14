// Model files and checkpoints: round trips (weights, settings, tokenizer), the metadata a
// Python reader sees, and clear FormatErrors for foreign, newer, inconsistent or truncated files.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { WordTokenizer } from '../../src/data/tokenizers/word.js';
import { FormatError, RnnkitError } from '../../src/errors.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { FORMAT_VERSION, loadModel, modelToBytes, saveModel } from '../../src/io/model-file.js';
import { readSafetensors, safetensorsMetadata, writeSafetensors } from '../../src/io/safetensors.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { Adam } from '../../src/training/optim/adam.js';
import { train, type TrainerCheckpoint } from '../../src/training/trainer.js';

const TEXT =
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, ' +
  'and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.\n';

describe('model files', () => {
  let backend: Backend<Float32Array>;
  let dir: string;
  before(() => {
    backend = createReferenceBackend(Float32Array);
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-model-file-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const charModel = () =>
    LanguageModel.create({
      tokenizer: CharTokenizer.fromText(TEXT),
      cell: 'gru',
      embeddingDim: 5,
      hiddenSize: 7,
      numLayers: 2,
      dropout: 0.1,
      seed: 4,
      backend,
    });

  it('saveModel then loadModel gives the same weights, settings, tokenizer and predictions', async () => {
    for (const make of [
      charModel,
      () =>
        LanguageModel.create({
          tokenizer: WordTokenizer.fromText(TEXT, { maxVocab: 20, lowercase: true }),
          cell: 'rnn',
          hiddenSize: 6,
          embeddingDim: 4,
          seed: 2,
          backend,
        }),
    ]) {
      const model = await make();
      const path = join(dir, 'model.safetensors');
      await saveModel(model, path);
      const loaded = await loadModel(path, { backend, type: 'language-model' });
      assert.deepEqual(loaded.settings, model.settings);
      assert.deepEqual(loaded.tokenizer.toJSON(), model.tokenizer.toJSON());
      const a = model.stateDict();
      const b = loaded.stateDict();
      assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
      for (const name of Object.keys(a)) assert.deepEqual(b[name], a[name], name);
      assert.deepEqual(loaded.eval().evaluate(TEXT), model.eval().evaluate(TEXT));
      assert.equal(await loaded.generate({ length: 30, seed: 9 }), await model.generate({ length: 30, seed: 9 }));
    }
  });

  it('is a plain safetensors file with PyTorch parameter names and the documented metadata', async () => {
    const model = await charModel();
    const tensors = readSafetensors(modelToBytes(model));
    const meta = safetensorsMetadata(tensors);
    assert.equal(meta.format, 'rnnkit');
    assert.equal(meta.format_version, String(FORMAT_VERSION));
    assert.equal(meta.model_type, 'language-model');
    assert.deepEqual(JSON.parse(meta.config), model.settings);
    assert.deepEqual(JSON.parse(meta.tokenizer), model.tokenizer.toJSON());
    assert.ok('rnn.weight_hh_l1' in tensors && 'embedding.weight' in tensors && 'decoder.bias' in tensors);
  });

  /** The model's file with some metadata replaced (or removed when undefined). */
  const withMetadata = async (changes: Record<string, string | undefined>): Promise<Uint8Array> => {
    const tensors = readSafetensors(modelToBytes(await charModel()));
    const meta: Record<string, string> = { ...safetensorsMetadata(tensors) };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete meta[k];
      else meta[k] = v;
    }
    return writeSafetensors(tensors, meta);
  };

  it('rejects foreign, newer, unknown and inconsistent files with a FormatError saying what is wrong', async () => {
    const model = await charModel();
    const settings = JSON.stringify(model.settings);
    const cases: [Uint8Array, RegExp][] = [
      [writeSafetensors(model.stateDict()), /not an rnnkit model file.*loadStateDict/],
      [await withMetadata({ format_version: '99' }), /version 99 is newer than this rnnkit reads/],
      [await withMetadata({ format_version: 'one' }), /bad format_version 'one'/],
      [await withMetadata({ model_type: 'spaceship' }), /unknown model_type 'spaceship'/],
      [await withMetadata({ config: '{not json' }), /metadata 'config' is not valid JSON/],
      [await withMetadata({ tokenizer: undefined }), /metadata lacks 'tokenizer'/],
      [await withMetadata({ config: settings.replace('"hiddenSize":7', '"hiddenSize":8') }), /do not fit its config/],
      [await withMetadata({ config: settings.replace('"cell":"gru"', '"cell":"transformer"') }), /invalid config: cell must be/],
    ];
    for (const [bytes, message] of cases) {
      await assert.rejects(
        loadModel(bytes, { backend }),
        (e: Error) => e instanceof FormatError && message.test(e.message),
        message.source,
      );
    }
    const bytes = modelToBytes(model);
    for (const cut of [4, 20, bytes.length - 3]) {
      await assert.rejects(loadModel(bytes.subarray(0, cut), { backend }), FormatError, `truncated to ${cut} bytes`);
    }
  });

  it('a missing file is an error naming the path; a failed save keeps the previous file', async () => {
    const missing = join(dir, 'nowhere.safetensors');
    await assert.rejects(loadModel(missing, { backend }), (e: Error) => e instanceof RnnkitError && e.message.includes(missing));
    const model = await charModel();
    const path = join(dir, 'kept.safetensors');
    writeFileSync(path, 'previous contents');
    const broken = Object.create(model) as LanguageModel;
    Object.defineProperty(broken, 'tokenizer', {
      get: () => {
        throw new Error('serialisation failed');
      },
    });
    await assert.rejects(saveModel(broken, path), /serialisation failed/);
    assert.equal(readFileSync(path, 'utf8'), 'previous contents');
    await assert.rejects(saveModel(model, join(dir, 'no-such-dir', 'm.safetensors')), RnnkitError);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
      'no temp file left behind',
    );
  });
});

describe('checkpoints', () => {
  let backend: Backend<Float32Array>;
  let dir: string;
  before(() => {
    backend = createReferenceBackend(Float32Array);
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-checkpoint-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('carries the optimizer buffers, the carried state and the loop position; loadModel reads it as a model', async () => {
    const tokenizer = CharTokenizer.fromText(TEXT);
    const model = await LanguageModel.create({ tokenizer, hiddenSize: 8, embeddingDim: 4, seed: 1, backend });
    const optimizer = new Adam(await model.parameters(), { lr: 0.01 }, backend);
    const path = join(dir, 'run.ckpt');
    let saved: TrainerCheckpoint | undefined;
    await train(model.trainingTask(tokenizer.encode(TEXT), 2, 10), {
      optimizer,
      budget: { steps: 3 },
      onCheckpoint: async (c) => {
        saved = c;
        await saveCheckpoint(path, model, c, { lr: 0.01 });
      },
    });
    const loaded = await loadCheckpoint<{ lr: number }>(path, { backend });
    assert.deepEqual(loaded.settings, { lr: 0.01 });
    assert.deepEqual(loaded.trainer, saved);
    assert.equal(loaded.trainer.optimizer.step, 3);
    assert.ok(Object.keys(loaded.trainer.taskState).length > 0, 'the carried recurrent state is kept');
    const asModel = await loadModel(path, { backend });
    assert.deepEqual(asModel.stateDict(), model.stateDict());

    const plain = join(dir, 'plain.safetensors');
    await saveModel(model, plain);
    await assert.rejects(
      loadCheckpoint(plain, { backend }),
      (e: Error) => e instanceof FormatError && /not a training checkpoint/.test(e.message),
    );
  });
});
