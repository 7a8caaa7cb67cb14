/**
 * What a text on the page says, as data: a message key and its values. The worker builds
 * them too (its errors and progress); the page formats them in its locale (see index.ts).
 */
import type { MessageKey } from './en.js';

export type { MessageKey } from './en.js';

/** A message to show: its key, and the values of its placeholders. */
export interface Message {
  key: MessageKey;
  values?: MessageValues;
}
/** Text that comes from the data (a character of the text, a file name, the library's own words): shown as it is, never translated. */
export interface DataValue {
  data: string;
}
/** A placeholder's value: text, a number (formatted in the locale), a select's case, a message (formatted first), or data. */
export type MessageValue = string | number | boolean | Message | DataValue;
export type MessageValues = Record<string, MessageValue>;

/** `text` as data, see {@link DataValue}. */
export function data(text: string): DataValue {
  return { data: text };
}

/** `{ key, values }`, shorter. */
export function msg(key: MessageKey, values?: MessageValues): Message {
  return values === undefined ? { key } : { key, values };
}

/** An error whose message the page shows in its locale. */
export class LocalizedError extends Error {
  constructor(readonly text: Message) {
    super(text.key);
    this.name = 'LocalizedError';
  }
}
