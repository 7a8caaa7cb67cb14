// `rnnkit train tag` on a small CoNLL file, and `predict`, `eval`, `info` and `export` on
// its model; errors (exit 2 or 1, one line) naming the file and line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadModel } from '../../src/io/model-file.js';
import { Random } from '../../src/random.js';
import { assertFails, runCli, runJson } from '../helpers/cli.js';
import { favour, heldOut, rewriteModel, zeros } from '../helpers/model-edit.js';
import { suiteDir } from '../helpers/temp.js';

const TINY = ['--hidden', '8', '--embed', '8', '--batch', '8', '--threads', '1'];
type Scores = { modelType: string; tokenAccuracy: number; entityF1: number | null; sentences: number; tokens: number };

/** 40 sentences "NAME lives in PLACE ." with BIO tags, a -DOCSTART- line and two columns before the tag. */
function conll(): string {
  const random = new Random(5);
  const names = ['Ann', 'Bob', 'Carl', 'Dora'];
  const places = ['Paris', 'Rome', 'Oslo'];
  const sentences = Array.from({ length: 40 }, () =>
    [
      [names[random.int(4)], 'B-PER'],
      ['lives', 'O'],
      ['in', 'O'],
      [places[random.int(3)], 'B-LOC'],
      ['.', 'O'],
    ]
      .map(([w, t]) => `${w} NN _ ${t}`)
      .join('\n'),
  );
  return `-DOCSTART- -X- -X- O\n\n${sentences.join('\n\n')}\n`;
}

describe('rnnkit train tag / predict / eval', () => {
  const at = suiteDir('rnnkit-cli-tag-', { 'train.conll': conll });
  const data = (): string => at('train.conll');
  const model = (): string => at('ner.safetensors');

  it('train tag --json reports held-out token accuracy and entity F1 and saves tokens and tags', async () => {
    const summary = runJson<{
      steps: number;
      modelType: string;
      examples: { train: number; validation: number };
      validation: { tokenAccuracy: number; entityF1: number; sentences: number; tokens: number };
    }>(['train', 'tag', '--data', data(), '--out', model(), '--steps', '4', '--min-count', '1', ...TINY]);
    assert.equal(summary.steps, 4);
    assert.equal(summary.modelType, 'sequence-tagger');
    assert.deepEqual(summary.examples, { train: 36, validation: 4 });
    assert.deepEqual([summary.validation.sentences, summary.validation.tokens], [4, 20]);
    // The same scores as eval on the 4 held-out sentences (drawn with the default seed 1).
    const heldOutFile = at('held-out.conll');
    writeFileSync(heldOutFile, `${heldOut(conll().split('\n\n').slice(1), 0.1, 1).validation.join('\n\n')}\n`);
    assert.deepEqual({ modelType: 'sequence-tagger', ...summary.validation }, runJson(['eval', '--model', model(), '--data', heldOutFile]));
    const loaded = await loadModel(model(), { type: 'sequence-tagger' });
    assert.deepEqual(loaded.vocabularies.labels, ['B-LOC', 'B-PER', 'O']);
    assert.equal(loaded.vocabularies.tokens![0], '<unk>');
    assert.ok(loaded.vocabularies.tokens!.includes('Oslo') && !loaded.vocabularies.tokens!.includes('-DOCSTART-'));
  });

  it('train tag --cell gru --gru-form reset-before saves a tagger whose GRU has the reset gate before the product', async () => {
    const out = at('ner-reset-before.safetensors');
    runJson([
      'train',
      'tag',
      '--data',
      data(),
      '--out',
      out,
      '--steps',
      '2',
      '--min-count',
      '1',
      '--cell',
      'gru',
      '--gru-form',
      'reset-before',
      ...TINY,
    ]);
    const loaded = await loadModel(out, { type: 'sequence-tagger' });
    assert.equal(loaded.settings.resetAfter, false);
    assert.equal(loaded.encoder.config.resetAfter, false);
  });

  it('predict tags each token of each line as the model does; unknown words are tagged too', async () => {
    const loaded = (await loadModel(model(), { type: 'sequence-tagger' })).eval();
    const sentence = ['Bob', 'lives', 'in', 'Lima', '.'];
    const ids = sentence.map((w) => Math.max(0, loaded.vocabularies.tokens!.indexOf(w)));
    const tags = (await loaded.predict([ids]))[0].map((k) => loaded.vocabularies.labels![k]);
    const r = runCli(['predict', '--model', model(), '--text', `  ${sentence.join(' ')}\n`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${sentence.map((w, i) => `${w}/${tags[i]}`).join(' ')}\n`);
    const json = runJson<{ predictions: { line: number; prediction: string[] }[] }>(
      ['predict', '--model', model()],
      `\n${sentence.join(' ')}\nAnn\n`,
    );
    assert.deepEqual(
      json.predictions.map((p) => [p.line, p.prediction.length]),
      [
        [2, 5],
        [3, 1],
      ],
    );
    assert.deepEqual(json.predictions[0].prediction, tags);
  });

  it('eval --json scores a CoNLL file (entity F1 only for BIO tags; unknown tags count as errors); export --lengths writes ONNX', () => {
    const result = runJson<Scores>(['eval', '--model', model(), '--data', data()]);
    assert.deepEqual([result.modelType, result.sentences, result.tokens], ['sequence-tagger', 40, 200]);
    const pos = at('pos.conll');
    writeFileSync(pos, 'Bob NNP\nlives VBZ\nin IN\nOslo NNP\n. .\n');
    const other = runJson<Scores>(['eval', '--model', model(), '--data', pos]);
    assert.deepEqual([other.tokenAccuracy, other.entityF1, other.tokens], [0, null, 5]);
    const r = runCli(['export', '--model', model(), '--format', 'onnx', '--out', at('ner.onnx'), '--lengths']);
    assert.equal(r.status, 0, r.stderr);
  });

  it('eval scores token accuracy and CoNLL entity F1 exactly: a model that tags every token B-PER', async () => {
    const always = at('always-per.safetensors');
    await rewriteModel(model(), always, { 'classifier.weight': zeros, 'classifier.bias': favour(1) }); // tags: B-LOC, B-PER, O
    const file = at('scored.conll');
    // Gold chunks: PER "Ann", PER "Bob Carl", LOC "Rome", PER "Dora", LOC "Oslo Paris" (I- continues a chunk).
    writeFileSync(
      file,
      'Ann B-PER\nlives O\nin O\nRome B-LOC\n\nBob B-PER\nCarl I-PER\nlives O\n\nDora B-PER\nin O\nOslo B-LOC\nParis I-LOC\n',
    );
    const result = runJson<Scores>(['eval', '--model', always, '--data', file]);
    // Every token is its own predicted PER chunk: 11 of them. Correct: "Ann" and "Dora" (same type and span); "Bob" is only
    // part of "Bob Carl". Precision 2/11, recall 2/5 → F1 = 2PR/(P+R) = 1/4. B-PER tokens: Ann, Bob, Dora → accuracy 3/11.
    const [precision, recall] = [2 / 11, 2 / 5];
    assert.deepEqual(
      { ...result, entityF1: undefined },
      { modelType: 'sequence-tagger', tokenAccuracy: 3 / 11, entityF1: undefined, sentences: 3, tokens: 11 },
    );
    assert.ok(
      Math.abs(result.entityF1! - 0.25) <= 1e-15 && Math.abs((2 * precision * recall) / (precision + recall) - 0.25) <= 1e-15,
      `entity F1 ${result.entityF1}`,
    );
    assert.equal(
      runCli(['eval', '--model', always, '--data', file]).stdout,
      'token accuracy 27.27 %, entity F1 25.00 % on 3 sentences (11 tokens)\n',
    );
  });

  it('train tag --crf trains a BiLSTM-CRF with the BIO constraints of its tags; predict and eval decode with Viterbi', async () => {
    const crfModel = at('ner-crf.safetensors');
    const summary = runJson<{ steps: number; validation: { tokenAccuracy: number } }>([
      'train',
      'tag',
      '--data',
      data(),
      '--out',
      crfModel,
      '--steps',
      '3',
      '--min-count',
      '1',
      '--crf',
      ...TINY,
    ]);
    assert.equal(summary.steps, 3);
    const loaded = (await loadModel(crfModel, { type: 'sequence-tagger' })).eval();
    assert.deepEqual(loaded.settings.crf, { constraints: 'BIO' });
    const sentence = ['Bob', 'lives', 'in', 'Oslo', '.'];
    const ids = sentence.map((w) => Math.max(0, loaded.vocabularies.tokens!.indexOf(w)));
    const { logits, lengths } = await loaded.logits([ids]);
    const viterbi = (await loaded.crf!.layer.decode(logits, { lengths }))[0].map((k) => loaded.vocabularies.labels![k]);
    const json = runJson<{ predictions: { prediction: string[] }[] }>(['predict', '--model', crfModel, '--text', sentence.join(' ')]);
    assert.deepEqual(json.predictions[0].prediction, viterbi);
    const scores = runJson<{ tokens: number }>(['eval', '--model', crfModel, '--data', data()]);
    assert.equal(scores.tokens, 200);
    const none = at('ner-crf-none.safetensors');
    runJson(['train', 'tag', '--data', data(), '--out', none, '--steps', '1', '--crf', 'none', ...TINY]);
    assert.deepEqual((await loadModel(none, { type: 'sequence-tagger' })).settings.crf, { constraints: 'none' });
  });

  it('train tag --crf refuses tags that break the chunk rules, naming the file and line; an unknown constraint exits 2', () => {
    const iob1 = at('iob1.conll');
    writeFileSync(iob1, 'Ann B-PER\nlives O\n\nin O\nOslo I-LOC\n. O\n');
    assertFails(
      runCli(['train', 'tag', '--data', iob1, '--out', at('x.safetensors'), '--steps', '1', '--crf', ...TINY]),
      1,
      new RegExp(`${iob1}:5: the tags 'O' → 'I-LOC' at positions 1–2 of this sentence break the BIO rules that --crf keeps`),
    );
    const r = runCli(['train', 'tag', '--data', iob1, '--out', at('x.safetensors'), '--steps', '1', '--crf', 'none', ...TINY]);
    assert.equal(r.status, 0, r.stderr);
    assertFails(
      runCli(['train', 'tag', '--data', data(), '--out', at('x.safetensors'), '--crf', 'iob1']),
      2,
      /--crf.*iob1.*auto, bio, bioes, none/,
    );
  });

  it('a token line without a tag exits 1 naming the file and line; a bad option value exits 2', () => {
    const bad = at('bad.conll');
    writeFileSync(bad, 'Ann B-PER\nlives O\n\nBob B-PER\nsleeps\n');
    assertFails(
      runCli(['train', 'tag', '--data', bad, '--out', at('x.safetensors'), '--steps', '1']),
      1,
      new RegExp(`${bad}:5: expected a token and its tag`),
    );
    assertFails(
      runCli(['train', 'tag', '--data', data(), '--out', at('x.safetensors'), '--min-count', '0']),
      2,
      /--min-count.*expected an integer ≥ 1, got '0'/,
    );
  });
});
