// The playground's message catalogues: the same keys and the same placeholders in every
// language, every message well-formed ICU MessageFormat that formats, no Chinese message
// left in English, every key the page's HTML names present, and the browser's languages
// mapped to the page's locale.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import IntlMessageFormat from 'intl-messageformat';
import { en, type MessageKey } from '../../playground/src/i18n/en.js';
import { localeFor } from '../../playground/src/i18n/locale.js';
import { zhCN } from '../../playground/src/i18n/zh-CN.js';

type Element = ReturnType<IntlMessageFormat['getAst']>[number];

/** The placeholders (name → kind) and tags of a parsed message, nested ones included. */
function shape(elements: readonly Element[], out = { args: new Map<string, string>(), tags: new Set<string>() }): typeof out {
  for (const e of elements) {
    // Kinds: 1 argument, 2 number, 5 select, 6 plural, 8 tag (see @formatjs/icu-messageformat-parser's TYPE).
    // A plural is a number too: Chinese, without plurals, formats as a number what English pluralizes.
    const kinds = ['', 'text', 'number', '', '', 'select', 'number'];
    if (e.type === 1 || e.type === 2 || e.type === 5 || e.type === 6) out.args.set(e.value, kinds[e.type]);
    if (e.type === 8) {
      out.tags.add(e.value);
      shape(e.children, out);
    }
    if (e.type === 5 || e.type === 6) for (const option of Object.values(e.options)) shape(option.value, out);
  }
  return out;
}

const parse = (message: string, locale: string) => new IntlMessageFormat(message, locale);
const keys = Object.keys(en) as MessageKey[];

/** Values that fill every placeholder of a message: numbers for number and plural, a case for select, text otherwise. */
function sampleValues(args: Map<string, string>): Record<string, string | number | ((chunks: string[]) => string)> {
  return Object.fromEntries([...args].map(([name, kind]) => [name, kind === 'number' ? 2 : kind === 'select' ? 'other' : `‹${name}›`]));
}

describe('playground messages', () => {
  it('the Chinese catalogue has exactly the English keys', () => {
    assert.deepEqual(Object.keys(zhCN).sort(), [...keys].sort());
  });

  it('every message parses, and both languages have the same placeholders of the same kinds and the same tags', () => {
    for (const key of keys) {
      const english = shape(parse(en[key], 'en').getAst());
      const chinese = shape(parse(zhCN[key], 'zh-CN').getAst());
      assert.deepEqual([...chinese.args].sort(), [...english.args].sort(), `${key}: placeholders`);
      assert.deepEqual([...chinese.tags].sort(), [...english.tags].sort(), `${key}: tags`);
    }
  });

  it('every message formats with its placeholders filled, leaving no brace of the syntax behind', () => {
    for (const [locale, catalogue] of [
      ['en', en],
      ['zh-CN', zhCN],
    ] as const) {
      for (const key of keys) {
        const format = parse(catalogue[key], locale);
        const ast = format.getAst();
        const { args, tags } = shape(ast);
        const values = { ...sampleValues(args), ...Object.fromEntries([...tags].map((t) => [t, (chunks: string[]) => chunks.join('')])) };
        const out = String(format.format(values));
        // Placeholders outside any select or plural are always shown.
        for (const e of ast) if (e.type === 1) assert.ok(out.includes(`‹${e.value}›`), `${locale} ${key}: {${e.value}} is shown`);
        assert.ok(key === 'ctc.fileHint' || key === 'search.poemPlaceholder' || !/[{}]/.test(out), `${locale} ${key}: ${out}`);
      }
    }
    // Quoted braces are text: the CTC hint shows the JSON shape of a line.
    assert.match(String(parse(en['ctc.fileHint'], 'en').format({ code: (c: string[]) => c.join('') })), /\{"input": \[\[…\], …\]\}/);
  });

  it('numbers are formatted in the locale and English plurals agree', () => {
    const stats = (catalogue: Record<MessageKey, string>, locale: string) =>
      parse(catalogue['source.stats'], locale).format({ characters: 1190317, distinct: 83 });
    assert.equal(stats(en, 'en'), '1,190,317 characters, 83 different ones.');
    assert.equal(stats(zhCN, 'zh-CN'), '共 1,190,317 个字符，其中不同的字符 83 个。');
    const caption = (steps: number) =>
      String(parse(en['sample.caption'], 'en').format({ fromFile: false, steps, seed: 1, temperature: '0.80', topP: '1.00' }));
    assert.match(caption(1), /^After 1 training step ·/);
    assert.match(caption(1500), /^After 1,500 training steps ·/);
  });

  it('no Chinese message is the English one, but for names (cells, optimizers, languages, compared models)', () => {
    const same = keys.filter((key) => zhCN[key] === en[key]).sort();
    assert.deepEqual(same, [
      'cell.gru',
      'cell.lstm',
      'cell.rnn',
      'compare.gru',
      'compare.lstm',
      'compare.rnn',
      'locale.en',
      'locale.zh-CN',
      'optimizer.adam',
      'optimizer.adamw',
      'optimizer.rmsprop',
      'optimizer.sgd',
      'sample.topP',
    ]);
  });

  it('the Chinese explanations use the notes’ terms and notation', () => {
    for (const term of ['遗忘门 σ(z_f)', '输入门 σ(z_i)', '输出门 σ(z_o)', '记忆单元 c', '隐状态 h']) {
      assert.ok(
        Object.values(zhCN).some((m) => m.includes(term)),
        term,
      );
    }
    for (const term of ['梯度消失', '梯度爆炸', '随时间反向传播', 'BPTT', '梯度修剪']) assert.match(zhCN['flow.hint'], new RegExp(term));
  });

  it('every key the page’s HTML names is in the catalogues', () => {
    const html = readFileSync(new URL('../../playground/index.html', import.meta.url), 'utf8');
    const named = [...html.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(named.length > 80, `${named.length} texts`);
    const unknown = named.filter((key) => !(key in en));
    assert.deepEqual(unknown, []);
  });

  it('the browser’s languages choose the locale: the first Chinese or English one, else English', () => {
    assert.equal(localeFor(['zh-CN', 'en']), 'zh-CN');
    assert.equal(localeFor(['zh-TW']), 'zh-CN');
    assert.equal(localeFor(['zh']), 'zh-CN');
    assert.equal(localeFor(['fr-FR', 'zh-Hans-CN', 'en']), 'zh-CN');
    assert.equal(localeFor(['en-US', 'zh-CN']), 'en');
    assert.equal(localeFor(['de', 'fr']), 'en');
    assert.equal(localeFor([]), 'en');
    assert.equal(localeFor(['zhx']), 'en');
  });
});
