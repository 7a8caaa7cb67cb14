/**
 * What every example shares: `--seconds`, `--threads` and `--json` options (plus its own),
 * the backend, and `say` for progress lines that `--json` silences.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type Backend, setBackend } from '../../src/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed option values by name (strings, or booleans for flags). */
export type OptionValues = Record<string, string | boolean | undefined>;

export async function exampleSetup(defaultSeconds: number, own: Options) {
  const options: Options = {
    seconds: { type: 'string', default: String(defaultSeconds) },
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
  return { values, seconds: Number(values.seconds), backend, json, say };
}
