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
/** A placeholder's value: text, a number (formatted in the locale), a select's case, or a message (formatted first). */
export type MessageValue = string | number | boolean | Message;
export type MessageValues = Record<string, MessageValue>;

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
