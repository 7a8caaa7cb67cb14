import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formScore, isRegularQuatrain, quatrainLineLength, UsageError } from '../../src/index.js';

const FIVE = '床前看月光，疑是地上霜。举头望山月，低头思故乡。';
const SEVEN = '独在异乡为异客，每逢佳节倍思亲。遥知兄弟登高处，遍插茱萸少一人。';

describe('quatrainLineLength', () => {
  it('gives 5 or 7 for regular five- and seven-character quatrains', () => {
    assert.equal(quatrainLineLength(FIVE), 5);
    assert.equal(quatrainLineLength(SEVEN), 7);
    assert.equal(isRegularQuatrain(FIVE), true);
  });

  it('counts characters, not UTF-16 code units: a supplementary-plane ideograph is one', () => {
    const astral = '𠀋前看月光，疑是地上霜。举头望山月，低头思故乡。'; // U+2000B, a surrogate pair
    assert.equal(astral.length, FIVE.length + 1);
    assert.equal(quatrainLineLength(astral), 5);
  });

  it('refuses other line counts, lengths and mixes of lengths', () => {
    for (const poem of [
      '床前看月光，疑是地上霜。', // two lines
      `${FIVE}床前看月光，疑是地上霜。`, // six lines
      '床前看月，疑是地上霜。举头望山月，低头思故乡。', // a line of 4
      '白日依山尽，黄河入海流。欲穷千里目，更上一层楼台。', // 5, 5, 5, 6
      '春眠不觉晓晓晓，处处闻啼鸟。夜来风雨声，花落知多少。', // 7 then 5
      '春眠不觉，处处闻啼，夜来风雨，花落知多。', // lines of 4 (and wrong marks)
      '一二三四五六，一二三四五六。一二三四五六，一二三四五六。', // lines of 6
    ])
      assert.equal(quatrainLineLength(poem), undefined, poem);
  });

  it('wants ，。，。 exactly: a question mark, a swapped or missing mark breaks the form', () => {
    for (const poem of [
      '汉使却回凭寄语，黄金何日赎蛾眉？君王若问妾颜色，莫道不如宫里时。', // ？ ends the first couplet
      '床前看月光。疑是地上霜，举头望山月，低头思故乡。', // 。， swapped
      '床前看月光，疑是地上霜。举头望山月，低头思故乡', // last mark missing
      '床前看月光,疑是地上霜.举头望山月,低头思故乡.', // ASCII marks
      '床前看月光，疑是地上霜。举头望山月，低头思故乡。。', // one mark too many
    ])
      assert.equal(quatrainLineLength(poem), undefined, poem);
  });

  it('wants Han characters only in the lines, and nothing around the poem', () => {
    for (const poem of [
      '挂帆游□水，高枕到青州。千里东归客，无心忆旧游。', // □ for a lost character
      '床前看月光，疑是地上霜。举头望山月，低头思故乡。\n', // the line break after it
      ' 床前看月光，疑是地上霜。举头望山月，低头思故乡。', // a space before it
      '床前看月a，疑是地上霜。举头望山月，低头思故乡。', // a Latin letter
      '',
    ])
      assert.equal(quatrainLineLength(poem), undefined, JSON.stringify(poem));
  });
});

describe('formScore', () => {
  it('is the fraction of regular quatrains among the poems', () => {
    assert.equal(formScore([FIVE, SEVEN, '床前看月光，疑是地上霜。', '']), 2 / 4);
    assert.equal(formScore([FIVE]), 1);
    assert.equal(formScore(['春风']), 0);
    assert.equal(formScore([FIVE, SEVEN, SEVEN, `${FIVE}\n`, FIVE]), 4 / 5);
  });

  it('refuses an empty list', () => {
    assert.throws(() => formScore([]), UsageError);
  });
});
