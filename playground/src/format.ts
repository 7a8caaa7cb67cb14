/** How numbers and tokens read on the page. */

/** 12,345 */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "42s", "3m 05s", "1h 02m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
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
