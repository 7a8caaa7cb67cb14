/**
 * JSON Lines of feature sequences, e.g. for CTC: one object per line,
 * `{"input": [[…], …], "target": "label string"}`, `input` being frames × features (the
 * same number of features on every frame of every line). Blank lines are skipped.
 */
import { FormatError } from '../../errors.js';
import type { Sequence } from '../sequences.js';
import { isFiniteFloat32 } from './float32.js';

/** One line's example: its frames, its target (when the line has one) and its 1-based line number. */
export interface FramesLine {
  line: number;
  frames: Sequence;
  target: string | undefined;
}

/**
 * Parses JSON Lines of `{ input: number[][], target?: string }`.
 * @param requireTarget whether every line must have a `target` string
 * @returns the examples and the number of features per frame
 * @throws FormatError `source:line: …` on invalid JSON, a missing or non-string target, an empty
 * or ragged `input`, a non-finite value, a frame width unlike the first line's, or no line at all.
 */
export function parseFrameLines(text: string, source: string, requireTarget: boolean): { examples: FramesLine[]; features: number } {
  let features: number | undefined;
  let firstLine = 0;
  const examples: FramesLine[] = [];
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    const fail = (message: string): never => {
      throw new FormatError(`${source}:${line}: ${message}`);
    };
    let value: unknown;
    try {
      value = JSON.parse(raw) as unknown;
    } catch (error) {
      const special = /(^|[^\w"])(NaN|-?Infinity)([^\w"]|$)/.exec(raw);
      fail(
        special !== undefined && special !== null
          ? `not valid JSON: ${special[2]} is not a number JSON can hold (frames must be finite)`
          : `not valid JSON (${(error as Error).message})`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected an object {"input": [[…], …], "target": "…"}');
    const { input, target } = value as { input?: unknown; target?: unknown };
    if (target !== undefined && typeof target !== 'string') fail(`"target" must be a string, got ${JSON.stringify(target)}`);
    if (requireTarget && target === undefined) fail('lacks "target" (the label string)');
    if (!Array.isArray(input) || input.length === 0) fail('"input" must be a non-empty array of frames (arrays of numbers)');
    const rows = input as unknown[];
    const width = Array.isArray(rows[0]) ? rows[0].length : 0;
    if (width === 0) fail('"input"[0] must be a non-empty array of numbers');
    const data = new Float32Array(rows.length * width);
    rows.forEach((row, t) => {
      if (!Array.isArray(row)) fail(`"input"[${t}] is not an array of numbers`);
      const frame = row as unknown[];
      if (frame.length !== width) fail(`ragged "input": frame ${t} has ${frame.length} values, frame 0 has ${width}`);
      frame.forEach((v, f) => {
        if (typeof v !== 'number' || !isFiniteFloat32(v)) fail(`"input"[${t}][${f}] is ${JSON.stringify(v)}, not a finite float32 number`);
        data[t * width + f] = v as number;
      });
    });
    if (features === undefined) {
      features = width;
      firstLine = line;
    } else if (width !== features) {
      fail(`frames have ${width} features, those of line ${firstLine} have ${features}`);
    }
    examples.push({ line, frames: { steps: rows.length, data }, target: target as string | undefined });
  });
  if (features === undefined) throw new FormatError(`${source}: no example (expected JSON Lines {"input": [[…], …], "target": "…"})`);
  return { examples, features };
}
