// The form score measures learning: a character LSTM trained briefly on Tang quatrains writes
// far more regular quatrains than the same model untrained (which writes none). A short budget
// on a small slice of data/tang-quatrains.txt, on one thread so that the run is reproducible.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Adam, CharTokenizer, formScore, LanguageModel, samplePoems, setBackend, train } from '../../src/index.js';

// The first 60 five-character quatrains: 1,500 characters.
const POEMS = readFileSync(new URL('../../data/tang-quatrains.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((poem) => poem.length === 24)
  .slice(0, 60);

describe('form score', () => {
  it('after a short training it is far above the untrained model’s', async () => {
    const text = `${POEMS.join('\n')}\n`;
    const tokenizer = CharTokenizer.fromText(text);
    const backend = await setBackend('wasm', { threads: 1 });
    const model = await LanguageModel.create({ tokenizer, hiddenSize: 64, embeddingDim: 32, seed: 1 });
    const score = (): number => formScore(samplePoems(model.eval(), 100, { temperature: 0.8, seed: 5 }));
    const untrained = score();
    await train(model.train().trainingTask(tokenizer.encode(text), 8, 32), {
      optimizer: new Adam(await model.parameters(), { lr: 1e-2 }, backend),
      budget: { steps: 250 },
      clipNorm: 5,
    });
    const trained = score();
    assert.ok(trained >= untrained + 0.4, `form score ${trained} after training, ${untrained} untrained`);
  });
});
