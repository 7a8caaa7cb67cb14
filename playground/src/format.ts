/** How numbers and tokens read on the page. */

/** 12,345 */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const VISIBLE: Record<string, string> = { ' ': '␣', '\n': '⏎', '\t': '⇥', '\r': '␍', '\uFFFD': '<unk>' };

/** A token as a label: whitespace and the unknown token made visible. */
export function visibleToken(token: string): string {
  return VISIBLE[token] ?? token;
}

/** What a visible label stands for, when it is not the character itself. */
export function tokenName(token: string): string | undefined {
  return { ' ': 'space', '\n': 'line break', '\t': 'tab', '\r': 'carriage return', '\uFFFD': 'unknown character' }[token];
}
