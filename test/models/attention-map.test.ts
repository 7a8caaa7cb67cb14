// attentionMaps: a seq2seq model's attention as text — source tokens, output tokens (the end
// token's row labelled), rows that are distributions over the source, the same outputs as
// greedy decoding and beam search, and clear errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { UsageError } from '../../src/errors.js';
import { attentionMaps, END_LABEL } from '../../src/models/seq2seq/attention-map.js';
import { Seq2Seq } from '../../src/models/seq2seq/seq2seq.js';

const source = CharTokenizer.fromText('abcdef');
const output = CharTokenizer.fromText('xyz');
const make = (context: 'attention' | 'final' = 'attention') =>
  Seq2Seq.create({
    sourceVocabSize: source.vocabSize,
    targetVocabSize: output.vocabSize + 2,
    begin: output.vocabSize,
    end: output.vocabSize + 1,
    embeddingDim: 5,
    hiddenSize: 6,
    attentionSize: 4,
    context,
    seed: 4,
    backend: createReferenceBackend(),
    vocabularies: { tokenizer: source, outputTokenizer: output },
  });

describe('attentionMaps', () => {
  it('labels the rows and columns, and each row is a distribution over the source', async () => {
    const model = (await make()).eval();
    const maps = await attentionMaps(model, 'fab', { beamWidth: 3, maxLength: 6 });
    assert.deepEqual(maps.source, ['f', 'a', 'b']);
    const [greedy] = await model.greedy([[...source.encode('fab')]], { maxLength: 6 });
    assert.equal(maps.greedy.text, output.decode(greedy.tokens));
    const finished = greedy.attention.length > greedy.tokens.length;
    assert.deepEqual(maps.greedy.output, [...greedy.tokens.map((id) => output.tokenText(id)), ...(finished ? [END_LABEL] : [])]);
    const hypotheses = await model.beamSearch([...source.encode('fab')], { beamWidth: 3, maxLength: 6 });
    assert.deepEqual(
      maps.beam.map((m) => m.text),
      hypotheses.map((h) => output.decode(h.tokens)),
    );
    assert.deepEqual(
      maps.beam.map((m) => m.logProb),
      hypotheses.map((h) => h.logProb),
    );
    for (const map of [maps.greedy, ...maps.beam]) {
      assert.equal(map.weights.length, map.output.length);
      for (const row of map.weights) {
        assert.equal(row.length, 3);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6, `row sums to ${row.reduce((a, b) => a + b, 0)}`);
      }
    }
  });

  it('refuses a model without attention and a source without tokens', async () => {
    await assert.rejects(
      attentionMaps(await make('final'), 'ab'),
      (e: Error) => e instanceof UsageError && /fixed context \('final'\)/.test(e.message),
    );
    await assert.rejects(attentionMaps(await make(), ''), (e: Error) => e instanceof UsageError && /no token/.test(e.message));
  });
});
