import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  CharTokenizer,
  createReferenceBackend,
  LanguageModel,
  LINE_END_MARKS,
  samplePoem,
  samplePoems,
  UsageError,
  WordTokenizer,
} from '../../src/index.js';

// A small character vocabulary with both couplet marks and the line break between poems.
const TEXT = '春眠不觉晓，处处闻啼鸟。\n夏日山中静，秋风冬雪寒。\n';
const backend = createReferenceBackend(Float32Array);

/** An untrained model with its weights scaled up (the recurrent ones most), so that what it has read changes its draws. */
async function model(seed = 1): Promise<LanguageModel> {
  const m = await LanguageModel.create({ tokenizer: CharTokenizer.fromText(TEXT), hiddenSize: 8, embeddingDim: 4, seed, backend });
  const dict = m.stateDict();
  for (const [name, t] of Object.entries(dict)) {
    const scale = name.includes('weight_hh') ? 12 : 4;
    t.data.forEach((v, i) => (t.data[i] = scale * v));
  }
  m.loadStateDict(dict);
  return m.eval();
}

/** Adds `delta` to the decoder's bias of `ch`: a large one makes the model (nearly) always, or never, draw it. */
function biasTowards(m: LanguageModel, ch: string, delta: number): void {
  const dict = m.stateDict();
  dict['decoder.bias'].data[m.tokenizer.encode(ch)[0]] += delta;
  m.loadStateDict(dict);
}

/** Splits a poem after each line-ending mark. */
function lines(poem: string): string[] {
  return [...poem].reduce<string[]>((out, ch, i, all) => {
    if (i === 0 || LINE_END_MARKS.has(all[i - 1])) out.push('');
    out[out.length - 1] += ch;
    return out;
  }, []);
}

describe('samplePoems', () => {
  let m: LanguageModel;
  before(async () => {
    m = await model();
  });

  it('draws poems as one text, each after the line break that ended the one before, a first one discarded', async () => {
    const poems = samplePoems(m, 4, { seed: 3, temperature: 1.3, maxLength: 1000 });
    const text = await m.generate({ prime: '\n', length: 3000, temperature: 1.3, seed: 3 });
    assert.deepEqual(poems, text.split('\n').slice(1, 5));
    assert.ok(
      poems.every((poem) => !poem.includes('\n')),
      poems.join(' | '),
    );
  });

  it('opens each poem with the start, read after the previous poem and its line break', async () => {
    // Greedy, so that the text can be replayed with generate: the discarded poem, then two with the start.
    for (const start of ['春', '夏日山中静']) {
      const [first, second] = samplePoems(m, 2, { start, temperature: 0, maxLength: 12 });
      const warm = (await m.generate({ prime: '\n', length: 12, temperature: 0 })).split('\n')[0];
      const poem1 =
        start + (await m.generate({ prime: `\n${warm}\n${start}`, length: 12 - [...start].length, temperature: 0 })).split('\n')[0];
      const poem2 =
        start +
        (await m.generate({ prime: `\n${warm}\n${poem1}\n${start}`, length: 12 - [...start].length, temperature: 0 })).split('\n')[0];
      assert.deepEqual([first, second], [poem1, poem2], `start '${start}'`);
    }
  });

  it('is reproducible with a seed, and the poems of one call differ', () => {
    const a = samplePoems(m, 6, { seed: 9, maxLength: 30 });
    assert.deepEqual(samplePoems(m, 6, { seed: 9, maxLength: 30 }), a);
    assert.ok(new Set(a).size > 1, a.join(' | '));
    assert.deepEqual(samplePoems(m, 0, { seed: 9 }), []);
  });

  it('stops a poem at maxLength characters when the model never ends it', async () => {
    const never = await model();
    biasTowards(never, '\n', -1000);
    for (const poem of samplePoems(never, 3, { start: '春眠', maxLength: 13, seed: 2 })) {
      assert.equal([...poem].length, 13);
      assert.ok(poem.startsWith('春眠'));
    }
  });

  it('writes an acrostic: line i begins with the i-th character, and the poem cannot end before the last one', async () => {
    // A model that ends every poem at once unless forbidden to: its acrostic ends right after 冬's line begins.
    const eager = await model();
    biasTowards(eager, '\n', 1000);
    assert.deepEqual(samplePoems(eager, 2, { seed: 1 }), ['', '']);
    biasTowards(eager, '，', 8); // and lines short enough to see several
    for (const poem of samplePoems(eager, 5, { acrostic: '春夏秋冬', seed: 4, maxLength: 500 })) {
      const ls = lines(poem);
      assert.equal(ls.length, 4, poem);
      assert.deepEqual(
        ls.map((l) => l[0]),
        ['春', '夏', '秋', '冬'],
        poem,
      );
      assert.equal(poem.at(-1), '冬', poem);
    }
    // An ordinary model: the acrostic's characters begin the first four lines.
    for (const poem of samplePoems(m, 5, { acrostic: '冬春', seed: 8, maxLength: 500, temperature: 1 })) {
      assert.deepEqual(
        lines(poem)
          .slice(0, 2)
          .map((l) => l[0]),
        ['冬', '春'],
        poem,
      );
    }
  });

  it('refuses what it cannot honour, naming the problem', async () => {
    const cases: [Parameters<typeof samplePoems>[2], RegExp][] = [
      [{ start: '春', acrostic: '春夏秋冬' }, /either a start or an acrostic/],
      [{ start: '龙' }, /'龙', a character the model does not know/],
      [{ acrostic: '春夏秋龙' }, /acrostic has '龙'/],
      [{ start: '春\n' }, /line break/],
      [{ acrostic: '春，秋冬' }, /'，', a mark that ends a line/],
      [{ maxLength: 0 }, /maxLength must be an integer ≥ 1/],
      [{ temperature: -1 }, /temperature/],
    ];
    for (const [options, message] of cases)
      assert.throws(
        () => samplePoems(m, 1, options),
        (e: Error) => e instanceof UsageError && message.test(e.message),
        JSON.stringify(options),
      );
    assert.throws(() => samplePoems(m, -1), /count must be an integer ≥ 0/);
    const words = await LanguageModel.create({
      tokenizer: WordTokenizer.fromText('spring rain falls'),
      hiddenSize: 4,
      embeddingDim: 4,
      backend,
    });
    assert.throws(() => samplePoem(words), /character-level model, this one has a word tokenizer/);
  });
});
