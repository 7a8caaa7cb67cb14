/** Checks shared by the tokenizers' JSON readers and their id arguments (internal). */
import { FormatError, UsageError } from '../../errors.js';

/** Throws a FormatError prefixed `tokenizer JSON:`. */
export function formatFail(message: string): never {
  throw new FormatError(`tokenizer JSON: ${message}`);
}

/** A short description of a JSON value for messages: `"abc"`, `3`, `null`, `an array`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Checks that `record` has exactly the fields `fields` (no missing, no unknown ones). */
export function checkFields(record: Record<string, unknown>, fields: readonly string[], kind: string): void {
  for (const field of fields) {
    if (!(field in record)) formatFail(`missing field "${field}" of a ${kind} tokenizer`);
  }
  for (const key of Object.keys(record)) {
    if (!fields.includes(key)) formatFail(`unexpected field "${key}" in a ${kind} tokenizer (expected ${fields.join(', ')})`);
  }
}

/** Checks that `record[field]` is an array of strings and returns it. */
export function stringArray(record: Record<string, unknown>, field: string): string[] {
  const value = record[field];
  if (!Array.isArray(value)) formatFail(`${field} must be an array of strings, got ${describeValue(value)}`);
  const items = value as unknown[];
  for (let i = 0; i < items.length; i++) {
    if (typeof items[i] !== 'string') formatFail(`${field}[${i}] must be a string, got ${describeValue(items[i])}`);
  }
  return items as string[];
}

/** Checks a token id against a vocabulary size. @throws UsageError naming the id and the valid range. */
export function checkId(id: number, vocabSize: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new UsageError(`${what}: ${String(id)} is not a token id; ids are integers in [0, ${vocabSize})`);
  }
}
