// A language model over a projected LSTM (LSTMP, PyTorch's proj_size): it learns, saves and
// loads, imports from a PyTorch state dict with weight_hr, traces its P-wide states, and the
// views that follow h_t = o ⊙ tanh(c_t) (cellStep, gradientFlow) refuse it clearly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { UsageError } from '../../src/errors.js';
import { modelFromBytes, modelToBytes } from '../../src/io/model-file.js';
import { importPyTorchLanguageModel } from '../../src/io/torch.js';
import { cellStep } from '../../src/models/language-model/cell-step.js';
import { gradientFlow } from '../../src/models/language-model/gradient-flow.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { traceLanguageModel } from '../../src/models/language-model/trace.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { Adam } from '../../src/training/optim/adam.js';
import { train } from '../../src/training/trainer.js';

const backend = createReferenceBackend();
const text = 'abcab cabca bcabc '.repeat(30);
const tokenizer = CharTokenizer.fromText(text);

describe('LanguageModel with projSize', () => {
  it('has a decoder over P features, learns a text, and survives a save and a load', async () => {
    const model = await LanguageModel.create({ tokenizer, hiddenSize: 12, projSize: 5, numLayers: 2, embeddingDim: 6, seed: 3, backend });
    assert.equal(model.settings.projSize, 5);
    const dict = model.stateDict();
    assert.deepEqual(dict['decoder.weight'].shape, [tokenizer.vocabSize, 5]);
    assert.deepEqual(dict['rnn.weight_hr_l1'].shape, [5, 12]);
    assert.deepEqual(dict['rnn.weight_ih_l1'].shape, [48, 5]);
    const ids = tokenizer.encode(text);
    const before = model.eval().evaluate(ids).bitsPerChar;
    await train(model.train().trainingTask(ids, 4, 12), {
      optimizer: new Adam(await model.parameters(), { lr: 0.03 }, backend),
      budget: { steps: 60 },
    });
    const after = model.eval().evaluate(ids).bitsPerChar;
    assert.ok(after < before / 2, `bits/char ${before} → ${after}`);
    const loaded = await modelFromBytes(modelToBytes(model), { backend });
    assert.ok(loaded instanceof LanguageModel);
    assert.deepEqual(loaded.settings, model.settings);
    assert.equal(loaded.evaluate(ids).bitsPerChar, after);
  });

  it('imports a PyTorch state dict with weight_hr_l0 as projSize, and rejects a misshapen weight_hr', async () => {
    const source = await LanguageModel.create({ tokenizer, hiddenSize: 8, projSize: 3, embeddingDim: 4, seed: 2, backend });
    const torchDict: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(source.stateDict())) torchDict[name.replace(/^rnn\./, 'lstm.')] = t;
    const vocabulary = Array.from({ length: tokenizer.vocabSize }, (_, id) => (id === 0 ? '<unk>' : tokenizer.tokenText(id)));
    const imported = await importPyTorchLanguageModel(torchDict, { vocabulary, backend });
    assert.deepEqual(imported.settings, { cell: 'lstm', embeddingDim: 4, hiddenSize: 8, numLayers: 1, dropout: 0, projSize: 3 });
    assert.equal(imported.evaluate(text).bitsPerChar, source.eval().evaluate(text).bitsPerChar);
    await assert.rejects(
      importPyTorchLanguageModel(
        { ...torchDict, 'lstm.weight_hr_l0': { shape: [4, 8], data: new Float32Array(32) } },
        { vocabulary, backend },
      ),
      /weight_hr_l0 has shape \[4, 8\], not \[P, H\] with P = 3/,
    );
  });

  it('traces P-wide hidden states; cellStep and gradientFlow refuse the projection, naming it', async () => {
    const model = await LanguageModel.create({ tokenizer, hiddenSize: 6, projSize: 2, embeddingDim: 4, seed: 1, backend });
    const trace = traceLanguageModel(model, 'abc');
    assert.equal(trace.layers[0].hidden.length, 3 * 2);
    assert.equal(trace.layers[0].cell!.length, 3 * 6);
    assert.throws(
      () => cellStep(model, trace, 0, 1),
      (e: Error) => e instanceof UsageError && /cellStep: the model's LSTM projects its state \(projSize 2\)/.test(e.message),
    );
    assert.throws(() => gradientFlow(model, 'abca'), /gradientFlow: the model's LSTM projects its state \(projSize 2\)/);
  });

  it('rejects projSize for a GRU and one not below hiddenSize', async () => {
    await assert.rejects(
      LanguageModel.create({ tokenizer, cell: 'gru', hiddenSize: 6, projSize: 2 }),
      /'projSize' belongs to LSTM layers, not GRU/,
    );
    await assert.rejects(
      LanguageModel.create({ tokenizer, hiddenSize: 6, projSize: 6 }),
      /projSize must be an integer in \[0, hiddenSize\)/,
    );
  });
});
