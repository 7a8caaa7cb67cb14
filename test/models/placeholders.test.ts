// Generation never writes a placeholder: a language model (library and `rnnkit sample`), a
// conditioned generator and a seq2seq decoder (greedy and beam) skip `<unk>` and `<pad>` (and
// seq2seq its begin token) even when the model rates them above everything else.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { WordTokenizer } from '../../src/data/tokenizers/word.js';
import { saveModel } from '../../src/io/model-file.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { Seq2Seq } from '../../src/models/seq2seq/seq2seq.js';
import { SequenceGenerator } from '../../src/models/sequence-generator.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { runCli } from '../helpers/cli.js';
import { suiteDir } from '../helpers/temp.js';

/** `bias` with `favoured` ids set to 30 (a probability near 1 for them) and `suppressed` ones to −30. */
function favour(bias: Tensor, favoured: readonly number[], suppressed: readonly number[]): Tensor {
  return {
    shape: bias.shape,
    data: Float32Array.from(bias.data, (v, i) => (favoured.includes(i) ? 30 : suppressed.includes(i) ? -30 : v)),
  };
}

/** Loads the model's state dict with the bias `name` replaced by {@link favour}'s. */
function withBias<M extends { stateDict(): Record<string, Tensor>; loadStateDict(d: Record<string, Tensor>): void }>(
  model: M,
  name: string,
  favoured: readonly number[],
  suppressed: readonly number[] = [],
): M {
  const dict = model.stateDict();
  model.loadStateDict({ ...dict, [name]: favour(dict[name], favoured, suppressed) });
  return model;
}

describe('generation never writes <unk> or <pad>', () => {
  let backend: Backend<Float32Array>;
  const at = suiteDir('rnnkit-placeholders-');
  before(() => {
    backend = createReferenceBackend(Float32Array);
  });

  it('LanguageModel.sample and nextTokenProbabilities with characters and words, any temperature and top-k; rnnkit sample', async () => {
    const chars = CharTokenizer.fromText('the cat sat\n');
    const words = WordTokenizer.fromText('the cat sat on the mat\n');
    for (const tokenizer of [chars, words]) {
      const model = withBias(
        await LanguageModel.create({ tokenizer, hiddenSize: 6, embeddingDim: 4, seed: 2, backend }),
        'decoder.bias',
        tokenizer.placeholderIds,
      );
      for (const options of [{}, { temperature: 0 }, { temperature: 3, topK: 2 }, { topP: 0.5 }]) {
        const next = model.eval().nextTokenProbabilities('the', options);
        assert.ok(tokenizer.placeholderIds.every((id) => next[id] === 0) && Math.abs(next.reduce((a, b) => a + b, 0) - 1) < 1e-12);
        const text = await model.eval().generate({ length: 40, seed: 5, ...options });
        assert.ok(
          !text.includes('\uFFFD') && !text.includes('<unk>'),
          `${tokenizer.kind} ${JSON.stringify(options)}: ${JSON.stringify(text)}`,
        );
        assert.ok(text.length > 0);
      }
    }
    const file = at('unk.safetensors');
    await saveModel(
      withBias(await LanguageModel.create({ tokenizer: chars, hiddenSize: 6, embeddingDim: 4, seed: 2, backend }), 'decoder.bias', [
        chars.unkId,
      ]),
      file,
    );
    const r = runCli(['sample', '--model', file, '--length', '30', '--seed', '1', '--backend', 'reference']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal([...r.stdout].length, 31);
    assert.match(r.stdout, /^[the cas\n]+$/);
  });

  it("SequenceGenerator.generate skips its tokenizer's placeholders, or the ids given in exclude", async () => {
    const tokenizer = CharTokenizer.fromText('^$ab'); // ids: <unk> $ ^ a b
    const model = withBias(
      SequenceGenerator.create({ vocabSize: 5, conditionSize: 2, hiddenSize: 4, backend, vocabularies: { tokenizer } }),
      'output.bias',
      [0],
      [1],
    ).eval();
    for (const options of [{}, { temperature: 0 }]) {
      const ids = await model.generate([1, 0], { begin: 2, end: 1, maxLength: 20, seed: 3, ...options });
      assert.equal(ids.length, 20);
      assert.ok(
        ids.every((id) => id !== 0),
        JSON.stringify(ids),
      );
    }
    const noTokenizer = withBias(
      SequenceGenerator.create({ vocabSize: 5, conditionSize: 2, hiddenSize: 4, backend }),
      'output.bias',
      [3],
      [1],
    ).eval();
    assert.ok(
      (await noTokenizer.generate([0, 1], { begin: 2, end: 1, maxLength: 10, seed: 3 })).every((id) => id === 3),
      'nothing excluded',
    );
    const excluded = await noTokenizer.generate([0, 1], { begin: 2, end: 1, maxLength: 10, seed: 3, exclude: [3, 0] });
    assert.ok(excluded.length === 10 && excluded.every((id) => id !== 3 && id !== 0), JSON.stringify(excluded));
  });

  it("Seq2Seq greedy and beam search skip the output tokenizer's placeholders and the begin token", async () => {
    for (const outputTokenizer of [CharTokenizer.fromText('xy'), WordTokenizer.fromText('x y')]) {
      const V = outputTokenizer.vocabSize;
      const model = withBias(
        await Seq2Seq.create({
          sourceVocabSize: 3,
          targetVocabSize: V + 2,
          begin: V,
          end: V + 1,
          hiddenSize: 4,
          embeddingDim: 3,
          seed: 4,
          backend,
          vocabularies: { outputTokenizer },
        }),
        'output.bias',
        [...outputTokenizer.placeholderIds, V],
        [V + 1],
      ).eval();
      assert.deepEqual(model.excludedOutputs, [V, ...outputTokenizer.placeholderIds]);
      const [greedy] = await model.greedy([[1, 2]], { maxLength: 6 });
      const beams = await model.beamSearch([1, 2], { beamWidth: 3, maxLength: 6 });
      assert.equal(greedy.tokens.length, 6);
      for (const tokens of [greedy.tokens, ...beams.map((b) => b.tokens)]) {
        assert.ok(
          tokens.every((id) => !model.excludedOutputs.includes(id)),
          `${outputTokenizer.kind}: ${tokens}`,
        );
      }
    }
  });
});
