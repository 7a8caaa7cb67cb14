/** Turning a file the user opened into text to learn from, with a clear message when it is not one. */

/**
 * The UTF-8 text of a file's bytes.
 * @throws Error naming the file when it is empty, binary or not UTF-8.
 */
export function decodeTextFile(name: string, bytes: Uint8Array): string {
  if (bytes.length === 0) throw new Error(`${name} is empty: choose a file with some text in it.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${name} is not UTF-8 text (it looks like a binary file): choose a plain text file.`);
  }
  if (text.includes('\u0000')) throw new Error(`${name} is a binary file, not text: choose a plain text file.`);
  if (text.trim().length === 0) throw new Error(`${name} holds only whitespace: choose a file with some text in it.`);
  return text.replace(/^\uFEFF/, '');
}
