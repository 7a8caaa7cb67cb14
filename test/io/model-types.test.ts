// Model files of the sequence models: each type round-trips (settings, vocabularies, the
// regressor's standardisation, identical predictions), and malformed files are FormatErrors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { padSequences, type Sequence } from '../../src/data/sequences.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { WordTokenizer } from '../../src/data/tokenizers/word.js';
import { FormatError, UsageError } from '../../src/errors.js';
import { loadModel, type Model, modelToBytes, saveModel } from '../../src/io/model-file.js';
import { modelTypeOf } from '../../src/io/model-types.js';
import { readSafetensors, safetensorsMetadata, writeSafetensors } from '../../src/io/safetensors.js';
import { CTCModel } from '../../src/models/ctc-model.js';
import { SequenceClassifier } from '../../src/models/sequence-classifier.js';
import { Seq2Seq } from '../../src/models/seq2seq/seq2seq.js';
import { SequenceGenerator } from '../../src/models/sequence-generator.js';
import { SequenceRegressor } from '../../src/models/sequence-regressor.js';
import { SequenceTagger } from '../../src/models/sequence-tagger.js';
import { allowedTransitions } from '../../src/layers/crf/constraints.js';
import { Random } from '../../src/random.js';
import { argmax, type Tensor } from '../../src/tensor/tensor.js';

const TOKENS = [
  [1, 2, 3, 4],
  [5, 1],
  [2, 2, 2, 6, 7],
];
const frames = (random: Random, D: number): Sequence[] =>
  [5, 3, 7].map((steps) => ({ steps, data: Float32Array.from({ length: steps * D }, () => random.uniform(-1, 1)) }));

describe('model files of the sequence models', () => {
  let backend: Backend<Float32Array>;
  let dir: string;
  before(async () => {
    backend = await createWasmBackend({ threads: 1 });
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-model-types-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Saves `model`, loads it back as `type`, and checks the type, settings, vocabularies and every tensor. */
  async function roundTrip<M extends Model>(model: M, type: ReturnType<typeof modelTypeOf>): Promise<M> {
    const path = join(dir, `${type}.safetensors`);
    await saveModel(model, path);
    assert.equal(safetensorsMetadata(readSafetensors(modelToBytes(model))).model_type, type);
    const loaded = (await loadModel(path, { backend, type })) as M;
    assert.equal(modelTypeOf(loaded), type);
    assert.deepEqual(loaded.settings, model.settings);
    const a = model.stateDict();
    const b = loaded.stateDict();
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const name of Object.keys(a)) assert.deepEqual(b[name], a[name], name);
    return loaded;
  }

  it('a SequenceTagger keeps its tokens and tag names and tags the same', async () => {
    const tokens = ['<unk>', 'the', 'cat', 'sat', 'on', 'a', 'mat', '.'];
    const model = SequenceTagger.create({
      vocabSize: 8,
      numTags: 3,
      embeddingDim: 5,
      hiddenSize: 6,
      cell: 'gru',
      numLayers: 2,
      seed: 3,
      backend,
      vocabularies: { tokens, labels: ['O', 'B-X', 'I-X'] },
    }).eval();
    const loaded = (await roundTrip(model, 'sequence-tagger')).eval();
    assert.deepEqual(loaded.vocabularies.tokens, tokens);
    assert.deepEqual(loaded.vocabularies.labels, ['O', 'B-X', 'I-X']);
    assert.deepEqual((await loaded.logits(TOKENS)).logits, (await model.logits(TOKENS)).logits);
    assert.deepEqual(await loaded.predict(TOKENS), await model.predict(TOKENS));
  });

  it('a BiLSTM-CRF tagger keeps its CRF, its constraints and its transition scores', async () => {
    const labels = ['O', 'B-X', 'I-X', 'E-X', 'S-X'];
    const model = SequenceTagger.create({
      vocabSize: 8,
      numTags: 5,
      embeddingDim: 5,
      hiddenSize: 6,
      seed: 4,
      backend,
      crf: true,
      vocabularies: { labels },
    }).eval();
    const crf = model.crf!.layer;
    // Transitions that make the Viterbi path differ from each step's most likely tag.
    crf.loadStateDict({
      ...crf.stateDict(),
      transitions: { shape: [5, 5], data: Float32Array.from({ length: 25 }, (_, i) => (i % 7) - 3) },
    });
    assert.deepEqual(model.settings.crf, { constraints: 'BIOES' });
    const loaded = (await roundTrip(model, 'sequence-tagger')).eval();
    assert.deepEqual(loaded.crf?.layer.constraints, allowedTransitions('BIOES', labels));
    assert.deepEqual(await loaded.predict(TOKENS), await model.predict(TOKENS));
    // …which a tagger without its CRF would not give.
    const { logits } = await model.logits(TOKENS);
    const stepwise = TOKENS.map((s, b) => s.map((_, t) => argmax(logits.data, (t * TOKENS.length + b) * 5, 5)));
    assert.notDeepEqual(await model.predict(TOKENS), stepwise);
    const metadata = safetensorsMetadata(readSafetensors(modelToBytes(model)));
    assert.deepEqual((JSON.parse(metadata.config) as { crf: unknown }).crf, { constraints: 'BIOES' });
    assert.deepEqual(readSafetensors(modelToBytes(model))['crf.transitions'].shape, [5, 5]);
  });

  it('a SequenceClassifier keeps its tokenizer, pooling and class names and scores the same', async () => {
    const tokenizer = WordTokenizer.fromText('good bad fine awful great', { lowercase: true });
    for (const pooling of ['last', 'max'] as const) {
      const model = SequenceClassifier.create({
        vocabSize: tokenizer.vocabSize,
        numClasses: 2,
        embeddingDim: 4,
        hiddenSize: 5,
        pooling,
        bidirectional: false,
        seed: 2,
        backend,
        vocabularies: { tokenizer, labels: ['neg', 'pos'] },
      }).eval();
      const loaded = (await roundTrip(model, 'sequence-classifier')).eval();
      assert.equal(loaded.pooling, pooling);
      assert.deepEqual(loaded.vocabularies.tokenizer!.toJSON(), tokenizer.toJSON());
      assert.deepEqual(loaded.vocabularies.labels, ['neg', 'pos']);
      const ids = ['good fine', 'awful', 'great bad good'].map((t) => [...tokenizer.encode(t)]);
      assert.deepEqual(await loaded.logits(ids), await model.logits(ids));
    }
  });

  it('a SequenceRegressor keeps its standardisation and forecast windows and predicts the same', async () => {
    const random = new Random(5);
    const model = SequenceRegressor.create({
      inputSize: 2,
      outputSize: 2,
      hiddenSize: 4,
      pooling: 'mean',
      seed: 1,
      backend,
      forecast: { window: 5, horizon: 2 },
    }).eval();
    const inputs = frames(random, 2);
    model.fitNormalization(inputs.map((f, i) => ({ frames: f, target: [100 * i + 50, -3 * i] })));
    const loaded = (await roundTrip(model, 'sequence-regressor')).eval();
    assert.deepEqual(loaded.normalization, model.normalization);
    assert.notDeepEqual([...loaded.normalization.targetMean], [0, 0], 'a fitted, not an identity, standardisation');
    assert.deepEqual(loaded.forecast, { window: 5, horizon: 2 });
    assert.deepEqual(await loaded.predict(inputs), await model.predict(inputs));
  });

  it('a CTCModel keeps its label names and decodes the same', async () => {
    const model = CTCModel.create({
      inputSize: 3,
      numLabels: 4,
      hiddenSize: 5,
      cell: 'gru',
      seed: 4,
      backend,
      vocabularies: { labels: ['a', 'b', 'c', ' '] },
    }).eval();
    const loaded = (await roundTrip(model, 'ctc-model')).eval();
    assert.deepEqual(loaded.vocabularies.labels, ['a', 'b', 'c', ' ']);
    const { x, lengths } = padSequences(frames(new Random(8), 3), 3);
    assert.deepEqual(await loaded.logits(x, lengths), await model.logits(x, lengths));
    assert.deepEqual(await loaded.decode(x, lengths), await model.decode(x, lengths));
  });

  it('a SequenceGenerator of either conditioning keeps its tokenizer and generates the same', async () => {
    const tokenizer = CharTokenizer.fromText('^$abcde');
    for (const conditioning of ['initial-state', 'every-step'] as const) {
      const model = SequenceGenerator.create({
        vocabSize: tokenizer.vocabSize,
        conditionSize: 2,
        conditioning,
        embeddingDim: 4,
        hiddenSize: 6,
        numLayers: 2,
        seed: 6,
        backend,
        vocabularies: { tokenizer },
      }).eval();
      const loaded = (await roundTrip(model, 'sequence-generator')).eval();
      assert.equal(loaded.conditioning, conditioning);
      const options = { begin: 1, end: 2, seed: 9, maxLength: 12 };
      assert.deepEqual(await loaded.generate([1, 0], options), await model.generate([1, 0], options));
      const batch = [{ condition: [0, 1], tokens: [1, 3, 4, 2] }];
      assert.equal(await loaded.evaluate(batch), await model.evaluate(batch));
    }
  });

  it('a Seq2Seq of each context keeps its symbols and decodes the same', async () => {
    const tokens = ['<unk>', 'a', 'b', 'c'];
    const labels = ['x', 'y', '<s>', '</s>'];
    for (const [context, attention] of [
      ['attention', 'additive'],
      ['attention', 'general'],
      ['transform', 'dot'],
    ] as const) {
      const model = (
        await Seq2Seq.create({
          sourceVocabSize: 4,
          targetVocabSize: 4,
          begin: 2,
          end: 3,
          context,
          attention,
          contextUse: 'every-step',
          embeddingDim: 4,
          hiddenSize: 5,
          attentionSize: 3,
          teacherForcing: 0.5,
          seed: 4,
          backend,
          vocabularies: { tokens, labels },
        })
      ).eval();
      const loaded = (await roundTrip(model, 'seq2seq')).eval();
      assert.deepEqual(loaded.vocabularies, { tokens, labels });
      const sources = [
        [1, 2, 3],
        [3, 1],
      ];
      assert.deepEqual(await loaded.greedy(sources, { maxLength: 6 }), await model.greedy(sources, { maxLength: 6 }));
      assert.deepEqual(await loaded.beamSearch([1, 2], { maxLength: 5 }), await model.beamSearch([1, 2], { maxLength: 5 }));
    }
  });

  it("every model type records its cell's variant (reset-before GRU, peephole LSTM) and computes with it after loading", async () => {
    const random = new Random(12);
    const { x, lengths } = padSequences(frames(random, 3), 3);
    const tokenizer = CharTokenizer.fromText('^$abcde');
    const gruBefore = { cell: 'gru', resetAfter: false } as const;
    const peephole = { cell: 'lstm', peepholes: true } as const;
    for (const variant of [gruBefore, peephole]) {
      const field = variant.cell === 'gru' ? { resetAfter: false } : { peepholes: true };
      const settingsOf = (m: Model): Record<string, unknown> => m.settings as object as Record<string, unknown>;
      const check = (m: Model): void => {
        const config = JSON.parse(safetensorsMetadata(readSafetensors(modelToBytes(m))).config) as Record<string, unknown>;
        for (const [key, value] of Object.entries(field)) {
          assert.equal(settingsOf(m)[key], value, `${modelTypeOf(m)} settings.${key}`);
          assert.equal(config[key], value, `${modelTypeOf(m)} config.${key}`);
        }
      };
      const tagger = SequenceTagger.create({
        vocabSize: 8,
        numTags: 3,
        embeddingDim: 5,
        hiddenSize: 6,
        ...variant,
        seed: 3,
        backend,
      }).eval();
      check(tagger);
      const loadedTagger = (await roundTrip(tagger, 'sequence-tagger')).eval();
      assert.deepEqual((await loadedTagger.logits(TOKENS)).logits, (await tagger.logits(TOKENS)).logits);
      if (variant.cell === 'gru') {
        // The same weights in PyTorch's form compute something else: the recorded form matters.
        const pytorchForm = SequenceTagger.create({
          vocabSize: 8,
          numTags: 3,
          embeddingDim: 5,
          hiddenSize: 6,
          cell: 'gru',
          seed: 3,
          backend,
        }).eval();
        pytorchForm.loadStateDict(tagger.stateDict());
        assert.notDeepEqual((await pytorchForm.logits(TOKENS)).logits, (await tagger.logits(TOKENS)).logits);
      } else {
        assert.ok('encoder.weight_peephole_l0_reverse' in tagger.stateDict());
      }
      const classifier = SequenceClassifier.create({
        vocabSize: 8,
        numClasses: 2,
        embeddingDim: 4,
        hiddenSize: 5,
        ...variant,
        seed: 2,
        backend,
      }).eval();
      check(classifier);
      assert.deepEqual(await (await roundTrip(classifier, 'sequence-classifier')).eval().logits(TOKENS), await classifier.logits(TOKENS));
      const regressor = SequenceRegressor.create({ inputSize: 3, hiddenSize: 4, ...variant, seed: 1, backend }).eval();
      check(regressor);
      assert.deepEqual(
        await (await roundTrip(regressor, 'sequence-regressor')).eval().predict(frames(new Random(1), 3)),
        await regressor.predict(frames(new Random(1), 3)),
      );
      const ctc = CTCModel.create({ inputSize: 3, numLabels: 4, hiddenSize: 5, ...variant, seed: 4, backend }).eval();
      check(ctc);
      assert.deepEqual(await (await roundTrip(ctc, 'ctc-model')).eval().logits(x, lengths), await ctc.logits(x, lengths));
      const generator = SequenceGenerator.create({
        vocabSize: tokenizer.vocabSize,
        conditionSize: 2,
        embeddingDim: 4,
        hiddenSize: 6,
        ...variant,
        seed: 6,
        backend,
        vocabularies: { tokenizer },
      }).eval();
      check(generator);
      const batch = [{ condition: [0, 1], tokens: [1, 3, 4, 2] }];
      assert.equal(await (await roundTrip(generator, 'sequence-generator')).eval().evaluate(batch), await generator.evaluate(batch));
      const seq2seq = (
        await Seq2Seq.create({
          sourceVocabSize: 4,
          targetVocabSize: 4,
          begin: 2,
          end: 3,
          embeddingDim: 4,
          hiddenSize: 5,
          attentionSize: 3,
          ...variant,
          seed: 4,
          backend,
        })
      ).eval();
      check(seq2seq);
      if (variant.cell === 'lstm') assert.ok('decoder.cell.weight_peephole' in seq2seq.stateDict(), 'the decoder cell has peepholes too');
      const sources = [
        [1, 2, 3],
        [3, 1],
      ];
      assert.deepEqual(
        await (await roundTrip(seq2seq, 'seq2seq')).eval().greedy(sources, { maxLength: 6 }),
        await seq2seq.greedy(sources, { maxLength: 6 }),
      );
    }
    // PyTorch's forms record nothing, so files written before the variants existed read as they were.
    const plain = SequenceTagger.create({ vocabSize: 8, numTags: 3, cell: 'gru', backend });
    assert.ok(!('resetAfter' in plain.settings) && !('peepholes' in plain.settings));
  });

  /** A tagger's file with metadata entries replaced (or removed when undefined) and tensors changed. */
  const taggerFile = (changes: Record<string, string | undefined>, tensors: (t: Record<string, Tensor>) => void = () => {}): Uint8Array => {
    const model = SequenceTagger.create({
      vocabSize: 4,
      numTags: 2,
      embeddingDim: 3,
      hiddenSize: 3,
      backend,
      vocabularies: { tokens: ['<unk>', 'a', 'b', 'c'], labels: ['X', 'Y'] },
    });
    const dict = readSafetensors(modelToBytes(model));
    const meta: Record<string, string> = { ...safetensorsMetadata(dict) };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete meta[k];
      else meta[k] = v;
    }
    tensors(dict);
    return writeSafetensors(dict, meta);
  };

  it('rejects files whose config, vocabularies or tensors do not describe a model, naming the problem', async () => {
    const config = JSON.parse(safetensorsMetadata(readSafetensors(taggerFile({}))).config) as Record<string, unknown>;
    const withConfig = (change: Record<string, unknown>, drop?: string): Uint8Array => {
      const c: Record<string, unknown> = { ...config, ...change };
      if (drop !== undefined) delete c[drop];
      return taggerFile({ config: JSON.stringify(c) });
    };
    const regressor = SequenceRegressor.create({ inputSize: 1, hiddenSize: 3, backend });
    const cases: [Uint8Array, RegExp][] = [
      [
        taggerFile({ model_type: 'sequence-translator' }),
        /unknown model_type 'sequence-translator' \(this rnnkit reads language-model, sequence-tagger/,
      ],
      [taggerFile({ model_type: undefined }), /unknown model_type 'undefined'/],
      [taggerFile({ labels: '["X"]' }), /invalid config: SequenceTagger: 1 labels for 2 outputs/],
      [taggerFile({ labels: '["X", 3]' }), /metadata 'labels' must be a JSON array of strings/],
      [taggerFile({ tokens: '["<unk>", "a", "a", "b"]' }), /tokens repeat 'a'/],
      [taggerFile({ config: '[1, 2]' }), /metadata 'config' must be a JSON object/],
      [withConfig({ numTags: 3 }), /invalid config: SequenceTagger: 2 labels for 3 outputs/],
      [withConfig({ hiddenSize: 0 }), /invalid config: .*hiddenSize must be a positive integer, got 0/],
      [withConfig({ cell: 'transformer' }), /invalid config: cell must be 'lstm', 'gru' or 'rnn'/],
      [withConfig({ beamWidth: 3 }), /config has an unknown field 'beamWidth' for a sequence-tagger/],
      [withConfig({ resetAfter: false }), /invalid config: .*option 'resetAfter' belongs to GRU layers, not LSTM/],
      [withConfig({ peepholes: 'yes' }), /invalid config: .*peepholes must be true or false, got yes/],
      [withConfig({ peepholes: true }), /do not fit its config.*weight_peephole_l0/],
      [withConfig({}, 'bidirectional'), /config lacks 'bidirectional'/],
      [withConfig({ bidirectional: false }), /do not fit its config.*weight_ih_l0_reverse/],
      [
        taggerFile({}, (t) => {
          t['classifier.extra'] = { shape: [1], data: new Float32Array(1) };
        }),
        /do not fit its config.*extra/,
      ],
      [
        taggerFile({}, (t) => {
          t['head.bias'] = { shape: [1], data: new Float32Array(1) };
        }),
        /unexpected state dict entry 'head.bias'/,
      ],
      [
        writeSafetensors(
          Object.fromEntries(Object.entries(readSafetensors(modelToBytes(regressor))).filter(([k]) => k !== 'normalization.inputStd')),
          safetensorsMetadata(readSafetensors(modelToBytes(regressor))),
        ),
        /lacks 'normalization.inputStd'/,
      ],
    ];
    for (const [bytes, message] of cases) {
      await assert.rejects(
        loadModel(bytes, { backend }),
        (e: Error) => e instanceof FormatError && message.test(e.message),
        message.source,
      );
    }
    await assert.rejects(
      loadModel(taggerFile({}), { backend, type: 'language-model' }),
      (e: Error) => e instanceof FormatError && /holds a sequence-tagger, not a language-model/.test(e.message),
    );
  });

  it('saving something that is not a model is a UsageError', async () => {
    const notAModel = { stateDict: () => ({}) } as unknown as Model;
    assert.throws(
      () => modelToBytes(notAModel),
      (e: Error) => e instanceof UsageError && /not a model rnnkit can save/.test(e.message),
    );
    await assert.rejects(saveModel(notAModel, join(dir, 'x.safetensors')), UsageError);
  });
});
