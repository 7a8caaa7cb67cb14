/** How numbers, durations and tokens read on the page, in its language. */
import { data, type Message, msg } from './i18n/index.js';

export { formatCount, formatDecimal } from './i18n/index.js';

const VISIBLE: Record<string, string> = { ' ': '␣', '\n': '⏎', '\t': '⇥', '\r': '␍', '\uFFFD': '<unk>' };

/** A token as a label: whitespace and the unknown token made visible. */
export function visibleToken(token: string): string {
  return VISIBLE[token] ?? token;
}

/** The kinds of token that have a name rather than showing themselves. */
const KINDS: Record<string, string> = { ' ': 'space', '\n': 'lineBreak', '\t': 'tab', '\r': 'carriageReturn', '\uFFFD': 'unknown' };

/** Whether a token is one that a name stands for (a space, a line break…) rather than itself. */
export function hasName(token: string): boolean {
  return KINDS[token] !== undefined;
}

/** A token's name (space, line break…) or the token itself; `inSentence` gives it an article or quotes (“a”, a space). */
export function tokenName(token: string, inSentence = false): Message {
  return msg(inSentence ? 'token.inSentence' : 'token.name', { kind: KINDS[token] ?? 'other', token: data(token) });
}

/** "1h 02m", "3m 05s", "42s" (as the command line prints durations), in the page's language. */
export function durationMessage(seconds: number): Message {
  const s = Math.max(0, Math.round(Number.isFinite(seconds) ? seconds : 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (h > 0) return msg('duration.hours', { h: String(h), m: pad(m) });
  if (m > 0) return msg('duration.minutes', { m: String(m), s: pad(s % 60) });
  return msg('duration.seconds', { s: String(s) });
}

/**
 * Decimals that show a probability as a percentage to two significant figures (none from
 * 10 %): 45 %, 5.0 %, 0.12 %, 0.098 %. A near-uniform choice among thousands of tokens (early
 * training on Chinese text) otherwise reads "0.1 %" on every bar.
 */
export function percentDigits(probability: number): number {
  const percent = 100 * probability;
  if (percent >= 10) return 0;
  if (!(percent > 0)) return 1;
  return Math.max(1, 1 - Math.floor(Math.log10(percent)));
}
