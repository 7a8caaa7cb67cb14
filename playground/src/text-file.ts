/** Turning a file the user opened into text to learn from, with a clear message when it is not one. */
import { data, LocalizedError, msg } from './i18n/message.js';

/**
 * The UTF-8 text of a file's bytes.
 * @throws LocalizedError naming the file when it is empty, binary or not UTF-8.
 */
export function decodeTextFile(name: string, bytes: Uint8Array): string {
  if (bytes.length === 0) throw new LocalizedError(msg('file.empty', { name: data(name) }));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LocalizedError(msg('file.notUtf8', { name: data(name) }));
  }
  if (text.includes('\u0000')) throw new LocalizedError(msg('file.binary', { name: data(name) }));
  if (text.trim().length === 0) throw new LocalizedError(msg('file.whitespace', { name: data(name) }));
  return text.replace(/^\uFEFF/, '');
}
