/**
 * Timing for benchmarks. Machines here are shared and noisy, so contenders are
 * measured in interleaved rounds (each round times every contender once) and the best
 * round counts; a ratio between two contenders of the same run is the result to read.
 */

/** Something to time: `run` does `work` units (FLOPs, tokens) once. */
export interface Contender {
  name: string;
  run: () => void;
}

export interface Measurement {
  name: string;
  /** Best rate over the rounds, in work units per second. */
  rate: number;
}

/** How {@link measure} repeats. */
export interface MeasureOptions {
  /** Interleaved rounds. @default 5 */
  rounds?: number;
  /** Each contender repeats within a round until this many milliseconds have passed. @default 150 */
  minMs?: number;
  /** Run every contender once, untimed, first (tier-up, caches). @default true */
  warmup?: boolean;
  /**
   * Count a round's fastest call instead of its average: the statistic of the PyTorch reference
   * (bench/reference/torch_rnn.py), for a ratio between the two. @default false
   */
  bestCall?: boolean;
}

/** Times contenders in interleaved rounds and keeps each one's best rate. */
export function measure(
  contenders: Contender[],
  work: number,
  { rounds = 5, minMs = 150, warmup = true, bestCall = false }: MeasureOptions = {},
): Measurement[] {
  const best = new Map<string, number>();
  if (warmup) for (const c of contenders) c.run();
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      let calls = 0;
      let fastest = Infinity;
      const start = performance.now();
      let elapsed = 0;
      do {
        const before = performance.now();
        c.run();
        calls++;
        const now = performance.now();
        fastest = Math.min(fastest, now - before);
        elapsed = now - start;
      } while (elapsed < minMs);
      const rate = bestCall ? work / (fastest / 1000) : (work * calls) / (elapsed / 1000);
      best.set(c.name, Math.max(best.get(c.name) ?? 0, rate));
    }
  }
  return contenders.map((c) => ({ name: c.name, rate: best.get(c.name)! }));
}

/** Renders rows as a Markdown table with right-aligned numeric columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Formats a number with `digits` decimals. */
export function fmt(value: number, digits = 1): string {
  return value.toFixed(digits);
}
