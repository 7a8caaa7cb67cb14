/**
 * What every example shares: `--seconds` (or `--steps`, a budget that repeats exactly),
 * `--threads` and `--json` options (plus its own), the backend, the training budget, and
 * `say` for progress lines that `--json` silences.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type Backend, type Budget, setBackend } from '../../src/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed option values by name (strings, or booleans for flags). */
export type OptionValues = Record<string, string | boolean | undefined>;

export async function exampleSetup(defaultSeconds: number, own: Options) {
  const options: Options = {
    seconds: { type: 'string', default: String(defaultSeconds) },
    steps: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean', default: false },
    ...own,
  };
  const values = parseArgs({ options }).values as OptionValues;
  const backend: Backend = await setBackend('wasm', values.threads === undefined ? {} : { threads: Number(values.threads) });
  const json = values.json === true;
  const say = (line: string): void => {
    if (!json) console.log(line);
  };
  const seconds = Number(values.seconds);
  const budget: Budget = values.steps === undefined ? { seconds } : { steps: Number(values.steps) };
  return { values, seconds, budget, backend, json, say };
}
