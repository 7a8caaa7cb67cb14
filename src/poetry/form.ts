/**
 * The form of a regular quatrain (绝句, jueju): four lines of the same length, five
 * characters (五言绝句) or seven (七言绝句), written as two couplets, each line of a couplet
 * closed by its mark — a comma after the first, a full stop after the second:
 *
 *   床前明月光，疑是地上霜。举头望明月，低头思故乡。
 *
 * The characters of a line are Han ideographs (Unicode script Han, supplementary planes
 * included); anything else in a line — a space, a second mark, a placeholder □ for a
 * lost character — breaks the form. This is the shape of every poem in
 * `data/tang-quatrains.txt` and the test {@link formScore} applies to sampled poems.
 */
import { UsageError } from '../errors.js';

/** The line lengths of a regular quatrain: 5 (五言) or 7 (七言) characters. */
export type QuatrainLineLength = 5 | 7;

/** The mark that closes a couplet's first line (full-width comma, U+FF0C). */
export const COUPLET_COMMA = '，';
/** The mark that closes a couplet's second line (ideographic full stop, U+3002). */
export const COUPLET_STOP = '。';

/** Marks after which a new line of a poem begins, whatever the form: ，。？！； */
export const LINE_END_MARKS: ReadonlySet<string> = new Set(['，', '。', '？', '！', '；']);

const QUATRAIN: Record<QuatrainLineLength, RegExp> = { 5: quatrainPattern(5), 7: quatrainPattern(7) };

function quatrainPattern(n: number): RegExp {
  const line = `\\p{Script=Han}{${n}}`;
  const couplet = `${line}${COUPLET_COMMA}${line}${COUPLET_STOP}`;
  return new RegExp(`^${couplet}${couplet}$`, 'u');
}

/**
 * The line length of `poem` if it is a regular quatrain — exactly four lines of 5 (or
 * all of 7) Han characters, closed by ，。，。 in that order, with nothing before, between
 * or after them (no line break either) — else `undefined`.
 * @example
 * quatrainLineLength('床前明月光，疑是地上霜。举头望明月，低头思故乡。'); // 5
 * quatrainLineLength('床前明月光，疑是地上霜。');                          // undefined (two lines)
 */
export function quatrainLineLength(poem: string): QuatrainLineLength | undefined {
  if (QUATRAIN[5].test(poem)) return 5;
  if (QUATRAIN[7].test(poem)) return 7;
  return undefined;
}

/** Whether `poem` is a regular quatrain, see {@link quatrainLineLength}. */
export function isRegularQuatrain(poem: string): boolean {
  return quatrainLineLength(poem) !== undefined;
}

/**
 * The form score of sampled poems: the fraction (0 … 1) that are regular quatrains
 * ({@link quatrainLineLength}) — four lines of equal length 5 or 7 with ，。，。 after them.
 * @throws UsageError when `poems` is empty.
 */
export function formScore(poems: readonly string[]): number {
  if (poems.length === 0) throw new UsageError('formScore: no poems to score');
  return poems.filter(isRegularQuatrain).length / poems.length;
}
