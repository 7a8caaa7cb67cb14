// Bad data files through the CLI: an empty file, NaN or infinite numbers, and a language model
// whose perplexity overflows are failures of the data or the model (exit 1, one line naming
// the file), never usage errors (exit 2), never a NaN loss or a JSON null.
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setBackend } from '../../src/backend/select.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { saveModel } from '../../src/io/model-file.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { SequenceClassifier } from '../../src/models/sequence-classifier.js';
import { assertFails, runCli } from '../helpers/cli.js';
import { suiteDir } from '../helpers/temp.js';

const escape = (path: string): string => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('bad data files through the CLI', () => {
  const at = suiteDir('rnnkit-cli-data-', { 'empty.txt': () => '' });
  const empty = (): string => at('empty.txt');
  const tokenizer = CharTokenizer.fromText('abc ');

  it('an empty data file is exit 1 naming the file, for every command that reads one', async () => {
    await setBackend('reference');
    const lm = at('lm.safetensors');
    await saveModel(await LanguageModel.create({ tokenizer, hiddenSize: 4, embeddingDim: 3, seed: 1 }), lm);
    const classifier = at('classifier.safetensors');
    await saveModel(
      SequenceClassifier.create({
        vocabSize: tokenizer.vocabSize,
        numClasses: 2,
        hiddenSize: 4,
        embeddingDim: 3,
        vocabularies: { tokenizer, labels: ['neg', 'pos'] },
      }),
      classifier,
    );
    const out = ['--out', at('x.safetensors'), '--steps', '1'];
    const commands = [
      ['train', 'lm', '--data', empty(), ...out],
      ...['classify', 'tag', 'forecast', 'ctc', 'seq2seq'].map((task) => ['train', task, '--data', empty(), ...out]),
      ['eval', '--model', lm, '--data', empty()],
      ['eval', '--model', classifier, '--data', empty()],
      ['predict', '--model', classifier, '--input', empty()],
    ];
    for (const args of commands) assertFails(runCli(args), 1, new RegExp(escape(empty())));
    const one = at('one.txt');
    writeFileSync(one, 'a');
    assertFails(runCli(['eval', '--model', lm, '--data', one]), 1, new RegExp(`${escape(one)}: need at least 2 tokens`));
  });

  it('NaN, infinite or float32-overflowing numbers are exit 1 naming the file and line, before any training', () => {
    const series = at('series.csv');
    writeFileSync(series, `value\n${[1, 2, 3, 4, 5, 6].join('\n')}\nNaN\n8\n9\n`);
    assertFails(
      runCli(['train', 'forecast', '--data', series, '--window', '2', '--out', at('f.safetensors'), '--steps', '1']),
      1,
      new RegExp(`${escape(series)}:8: column 'value' holds "NaN", not a number`),
    );
    writeFileSync(series, `value\n${[1, 2, 3].join('\n')}\n-Infinity\n${[5, 6, 7, 8].join('\n')}\n`);
    assertFails(
      runCli(['train', 'forecast', '--data', series, '--window', '2', '--out', at('f.safetensors'), '--steps', '1']),
      1,
      new RegExp(`${escape(series)}:5: column 'value' holds "-Infinity", not a finite float32 number`),
    );
    const frames = at('frames.jsonl');
    writeFileSync(frames, '{"input": [[0, 1], [1, 0]], "target": "ab"}\n{"input": [[0, 1], [1e39, 0]], "target": "ba"}\n');
    assertFails(
      runCli(['train', 'ctc', '--data', frames, '--out', at('c.safetensors'), '--steps', '1']),
      1,
      new RegExp(`${escape(frames)}:2: "input"\\[1\\]\\[0\\] is 1e\\+39, not a finite float32 number`),
    );
    writeFileSync(frames, '{"input": [[0, 1], [1, 0]], "target": "ab"}\n\n{"input": [[0, NaN]], "target": "a"}\n');
    assertFails(
      runCli(['train', 'ctc', '--data', frames, '--out', at('c.safetensors'), '--steps', '1']),
      1,
      new RegExp(`${escape(frames)}:3: not valid JSON: NaN is not a number JSON can hold`),
    );
  });

  it('eval of a language model whose perplexity overflows is a clear error, not "perplexity": null', async () => {
    await setBackend('reference');
    const model = await LanguageModel.create({ tokenizer, hiddenSize: 4, embeddingDim: 3, seed: 1 });
    // Every real character 800 nats less likely than <unk>: the loss is about 800, e^800 overflows a double.
    const bias = model.stateDict()['decoder.bias'];
    model.loadStateDict({
      ...model.stateDict(),
      'decoder.bias': { shape: bias.shape, data: Float32Array.from(bias.data, (_, i) => (i === 0 ? 0 : -800)) },
    });
    const path = at('overflow.safetensors');
    await saveModel(model, path);
    const text = at('text.txt');
    writeFileSync(text, 'abc abc cab ');
    for (const json of [['--json'], []]) {
      assertFails(
        runCli(['eval', '--model', path, '--data', text, ...json]),
        1,
        new RegExp(
          `${escape(text)}: the perplexity e\\^80\\d\\.\\d\\d overflows a double ` +
            '\\(loss 80\\d\\.\\d{4} nats per token, \\d+\\.\\d{4} bits per character\\)',
        ),
      );
    }
  });
});
