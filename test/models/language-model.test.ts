// LanguageModel as a user meets it: it learns a text (bits per character fall, greedy
// sampling reproduces the pattern), evaluation's units, and streamed, seeded sampling.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { WordTokenizer } from '../../src/data/tokenizers/word.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { drawFrom } from '../../src/decode/sampling.js';
import { Random } from '../../src/random.js';
import { Adam } from '../../src/training/optim/adam.js';
import { train } from '../../src/training/trainer.js';

describe('LanguageModel', () => {
  let backend: Backend<Float32Array>;
  before(async () => {
    backend = await createWasmBackend({ threads: 1 });
  });

  it('learns a periodic text: validation bits/char fall near 0 and greedy sampling continues the pattern', async () => {
    const unit = 'the cat sat; ';
    const text = unit.repeat(120);
    const tokenizer = CharTokenizer.fromText(text);
    const model = await LanguageModel.create({ tokenizer, hiddenSize: 32, embeddingDim: 8, seed: 5, backend });
    const ids = tokenizer.encode(text);
    const before = model.eval().evaluate(ids).bitsPerChar;
    assert.ok(Math.abs(before - Math.log2(tokenizer.vocabSize)) < 0.5, `an untrained model is near uniform: ${before}`);
    await train(model.train().trainingTask(ids, 8, 26), {
      optimizer: new Adam(await model.parameters(), { lr: 0.02 }, backend),
      budget: { steps: 150 },
      clipNorm: 5,
    });
    const after = model.eval().evaluate(text).bitsPerChar;
    assert.ok(after < 0.1, `bits/char after training: ${after}`);
    const continuation = await model.generate({ prime: 'the cat', length: 26, temperature: 0 });
    assert.equal(continuation, ' sat; the cat sat; the cat');
  });

  it('evaluate: bits per character are nats per token / ln 2 scaled by tokens per character', async () => {
    const text = 'One fish, two fish.\nRed fish, blue fish.\n'.repeat(4);
    const chars = await LanguageModel.create({ tokenizer: CharTokenizer.fromText(text), hiddenSize: 5, seed: 1, backend });
    const c = chars.eval().evaluate(text, { batch: 2, steps: 10 });
    assert.ok(Math.abs(c.bitsPerChar - c.loss / Math.LN2) < 1e-12);
    assert.ok(Math.abs(c.perplexity - Math.exp(c.loss)) < 1e-9);
    assert.equal(c.tokens, 2 * 10 * Math.floor(Math.floor((text.length - 1) / 2) / 10));

    const tokenizer = WordTokenizer.fromText(text);
    const words = await LanguageModel.create({ tokenizer, hiddenSize: 5, seed: 1, backend });
    const w = words.eval().evaluate(text, { batch: 2, steps: 4 });
    const perChar = tokenizer.encode(text).length / text.length;
    assert.ok(Math.abs(w.bitsPerChar - (w.loss / Math.LN2) * perChar) < 1e-12);

    // A short text shrinks the window; one token cannot be evaluated.
    assert.equal(chars.evaluate('fish').tokens, 3);
    assert.throws(() => chars.evaluate('f'), ShapeError);
  });

  it('sample streams one piece per token, is reproducible by seed and continues the prime', async () => {
    const text = 'abcdefghij klmnop, qrstuv. wxyz!\n';
    const model = (await LanguageModel.create({ tokenizer: CharTokenizer.fromText(text), hiddenSize: 6, seed: 3, backend })).eval();
    const pieces: string[] = [];
    for await (const piece of model.sample({ length: 40, seed: 8 })) pieces.push(piece);
    assert.equal(pieces.length, 40);
    assert.ok(pieces.every((p) => [...p].length === 1));
    assert.equal(pieces.join(''), await model.generate({ length: 40, seed: 8 }));
    assert.notEqual(await model.generate({ length: 40, seed: 9 }), pieces.join(''));
    assert.notEqual(await model.generate({ length: 40, seed: 8, prime: 'xyz' }), pieces.join(''));
    assert.equal(await model.generate({ length: 0 }), '');
    // top-k 1 is greedy whatever the temperature.
    assert.equal(await model.generate({ length: 20, topK: 1, seed: 1 }), await model.generate({ length: 20, temperature: 0, seed: 2 }));
  });

  it('nextTokenProbabilities is the distribution sample draws its first token from', async () => {
    const text = 'abcdefghij klmnop, qrstuv. wxyz!\n';
    const tokenizer = CharTokenizer.fromText(text);
    const model = (await LanguageModel.create({ tokenizer, hiddenSize: 6, seed: 3, backend })).eval();
    const plain = model.nextTokenProbabilities('xyz');
    assert.equal(plain.length, tokenizer.vocabSize);
    assert.ok(Math.abs(plain.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    for (const seed of [1, 2, 3, 4, 5]) {
      const first = await model.generate({ prime: 'xyz', length: 1, seed });
      const drawn = drawFrom(model.nextTokenProbabilities('xyz'), new Random(seed));
      assert.equal(first, tokenizer.decode(Int32Array.of(drawn)), `seed ${seed}`);
    }
    // Temperature t raises each probability to 1/t before normalising.
    const t = 0.5;
    const sharp = model.nextTokenProbabilities('xyz', { temperature: t });
    const powered = plain.map((p) => p ** (1 / t));
    const total = powered.reduce((a, b) => a + b, 0);
    for (let i = 0; i < sharp.length; i++) assert.ok(Math.abs(sharp[i] - powered[i] / total) < 1e-9, `token ${i}`);
    // Top-k 3 keeps the three likeliest; an empty prime starts after a line break.
    assert.equal(model.nextTokenProbabilities('xyz', { topK: 3 }).filter((p) => p > 0).length, 3);
    assert.deepEqual(model.nextTokenProbabilities(''), model.nextTokenProbabilities('\n'));
  });

  it('rejects invalid settings and sampling options with UsageErrors', async () => {
    const tokenizer = CharTokenizer.fromText('abc');
    await assert.rejects(LanguageModel.create({ tokenizer, hiddenSize: 0, backend }), /hiddenSize must be a positive integer/);
    await assert.rejects(LanguageModel.create({ tokenizer, dropout: 1, backend }), /dropout must be in \[0, 1\)/);
    const model = await LanguageModel.create({ tokenizer, backend });
    for (const options of [{ length: -1 }, { temperature: -0.5 }, { topK: 1.5 }, { topP: 0 }]) {
      await assert.rejects(model.generate(options), UsageError, JSON.stringify(options));
    }
  });
});
