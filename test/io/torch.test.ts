// PyTorch weights in: a char-LM trained and saved by PyTorch
// (scripts/gen_pytorch_import_fixture.py) predicts the same next-character distribution
// and the same greedy continuation in rnnkit; a layer takes its part of a whole model's
// state dict by prefix.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FormatError, ShapeError, UsageError } from '../../src/errors.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { modelToBytes } from '../../src/io/model-file.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { importPyTorchLanguageModel } from '../../src/io/torch.js';
import { LSTM } from '../../src/layers/recurrent/layers.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/allclose.js';

const FIXTURE = new URL('../fixtures/pytorch-lm/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8')) as {
  vocab: string[];
  prime: string;
  distribution: number[];
  greedy: string;
};
const stateDict = (): Record<string, Tensor> => readSafetensors(readFileSync(new URL('model.safetensors', FIXTURE)));

describe('PyTorch import', () => {
  it('a PyTorch char-LM gives the same next-character distribution and greedy sample', async () => {
    const model = await importPyTorchLanguageModel(stateDict(), { vocabulary: expected.vocab });
    assert.deepEqual(model.settings, { cell: 'lstm', embeddingDim: 16, hiddenSize: 48, numLayers: 2, dropout: 0 });
    const V = expected.vocab.length;
    assert.equal(model.tokenizer.vocabSize, V + 1, '<unk> added in front');

    const ids = model.tokenizer.encode(expected.prime);
    assert.deepEqual(
      [...ids],
      [...expected.prime].map((c) => expected.vocab.indexOf(c) + 1),
    );
    model.core.prepare(ids.length, 1);
    model.core.resetState();
    model.core.inputIds().set(ids);
    model.core.run(false, false, false);
    const logits = model.core.output().subarray((ids.length - 1) * (V + 1), ids.length * (V + 1));
    const max = Math.max(...logits);
    const exps = Array.from(logits, (l) => Math.exp(l - max));
    const total = exps.reduce((a, b) => a + b, 0);
    const probabilities = exps.map((e) => e / total);
    assert.equal(probabilities[0], 0, '<unk> is never predicted');
    assertClose('next-character distribution', probabilities.slice(1), expected.distribution, { atol: 1e-6, rtol: 1e-4 });

    const greedy = await model.generate({ prime: expected.prime, length: expected.greedy.length, temperature: 0 });
    assert.equal(greedy, expected.greedy);
  });

  it('module names can be given, and a vocabulary that starts with <unk> keeps its ids', async () => {
    const dict = stateDict();
    const renamed: Record<string, Tensor> = {};
    // A second 2-D weight without bias makes the embedding ambiguous by shape.
    for (const [k, v] of Object.entries(dict)) renamed[k.replace(/^embed\./, 'tok.')] = v;
    renamed['aux.weight'] = { shape: [2, 2], data: new Float32Array(4) };
    await assert.rejects(
      importPyTorchLanguageModel(renamed, { vocabulary: expected.vocab }),
      (e: Error) => e instanceof FormatError && /cannot tell the embedding module \(candidates: tok, aux\)/.test(e.message),
    );
    const named = await importPyTorchLanguageModel(renamed, { vocabulary: expected.vocab, names: { embedding: 'tok' } });
    assert.equal(await named.generate({ prime: expected.prime, length: 20, temperature: 0 }), expected.greedy.slice(0, 20));

    const withUnk = ['<unk>', ...expected.vocab.slice(1)];
    const same = await importPyTorchLanguageModel(dict, { vocabulary: withUnk });
    assert.equal(same.tokenizer.vocabSize, expected.vocab.length);
    assert.deepEqual(same.stateDict()['embedding.weight'], dict['embed.weight']);
  });

  it('refuses a mismatched vocabulary, a misshapen or incomplete state dict', async () => {
    await assert.rejects(
      importPyTorchLanguageModel(stateDict(), { vocabulary: expected.vocab.slice(1) }),
      (e: Error) => e instanceof UsageError && /vocabulary has \d+ entries but the model \d+ tokens/.test(e.message),
    );
    await assert.rejects(
      importPyTorchLanguageModel(stateDict(), { vocabulary: [...expected.vocab.slice(1), 'ab'] }),
      (e: Error) => e instanceof UsageError && /bad vocabulary/.test(e.message),
    );
    const missing = stateDict();
    delete missing['lstm.weight_hh_l1'];
    await assert.rejects(
      importPyTorchLanguageModel(missing, { vocabulary: expected.vocab }),
      (e: Error) => e instanceof FormatError && /lacks 'lstm.weight_hh_l1'/.test(e.message),
    );
    const misshapen = stateDict();
    misshapen['fc.weight'] = { shape: [3, 48], data: new Float32Array(3 * 48) };
    await assert.rejects(
      importPyTorchLanguageModel(misshapen, { vocabulary: expected.vocab }),
      (e: Error) => e instanceof FormatError && /fc.weight has shape \[3, 48\]/.test(e.message),
    );
  });

  it("refuses what PyTorch's modules cannot hold: peephole weights, rnnkit model files (which may hold a reset-before GRU)", async () => {
    const peephole = { ...stateDict(), 'lstm.weight_peephole_l0': { shape: [3 * 48], data: new Float32Array(3 * 48) } };
    await assert.rejects(
      importPyTorchLanguageModel(peephole, { vocabulary: expected.vocab }),
      (e: Error) =>
        e instanceof FormatError && /'lstm.weight_peephole_l0' is a peephole weight; PyTorch's LSTM has no peepholes/.test(e.message),
    );
    const model = await LanguageModel.create({
      tokenizer: CharTokenizer.fromText('abc'),
      cell: 'gru',
      resetAfter: false,
      hiddenSize: 4,
      embeddingDim: 3,
    });
    await assert.rejects(
      importPyTorchLanguageModel(readSafetensors(modelToBytes(model)), { vocabulary: ['a', 'b', 'c'] }),
      (e: Error) => e instanceof FormatError && /this is an rnnkit model file, not a PyTorch state dict/.test(e.message),
    );
  });

  it('a layer loads its part of a whole model by prefix', () => {
    const dict = stateDict();
    const lstm = new LSTM({ inputSize: 16, hiddenSize: 48, numLayers: 2 });
    lstm.loadStateDict(dict, { prefix: 'lstm.' });
    assert.deepEqual(lstm.stateDict().weight_hh_l1, dict['lstm.weight_hh_l1']);
    assert.throws(() => lstm.loadStateDict(dict), ShapeError, 'without the prefix the other modules are unexpected');
    assert.throws(
      () => lstm.loadStateDict(dict, { prefix: 'rnn.' }),
      (e: Error) => e instanceof ShapeError && /missing weight_ih_l0/.test(e.message),
    );
  });
});
