/**
 * Whole-file reads and crash-safe writes, for Node.js. The Node modules are imported
 * only inside the functions, through variable specifiers that bundlers leave alone,
 * because this module is part of the entry that browsers load too.
 */
import { EnvironmentError, RnnkitError, UsageError } from '../errors.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

/** Counts temp files made by this process, so that two writes in one millisecond never share a name. */
let tempCounter = 0;

/**
 * Replaces the file at `path` with `bytes` so that, whatever happens, the file holds
 * either its old content or the whole new one:
 * 1. writes a uniquely named temp file in the same directory (created exclusively, with
 *    the old file's permissions when there is one),
 * 2. flushes it to disk (fsync),
 * 3. renames it over `path` (atomic within one file system), then flushes the directory
 *    where the platform allows it.
 * On any failure the temp file is removed and the old file is left as it was.
 * @throws RnnkitError "could not write <path>: <reason>", with the system error as `cause`.
 * @throws UsageError when `bytes` is not a Uint8Array.
 * @throws EnvironmentError outside Node.js.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (!(bytes instanceof Uint8Array)) {
    throw new UsageError(`writeFileAtomic: expected the bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  const fs = await nodeModule<Fs>('node:fs/promises', 'writeFileAtomic');
  const { basename, dirname, join } = await nodeModule<Path>('node:path', 'writeFileAtomic');
  const directory = dirname(path);
  const unique = `${process.pid}-${Date.now().toString(36)}-${(tempCounter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const temp = join(directory, `.${basename(path)}.${unique}.tmp`);

  let created = false;
  try {
    const mode = await fs.stat(path).then(
      (s) => (s.isFile() ? s.mode & 0o7777 : 0o666),
      () => 0o666,
    );
    const handle = await fs.open(temp, 'wx', mode);
    created = true;
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
    created = false;
  } catch (error) {
    if (created) await fs.rm(temp, { force: true }).catch(() => undefined);
    throw withCause(new RnnkitError(`could not write ${path}: ${reason(error)}`), error);
  }
  // Make the rename itself durable. Directories cannot be opened or synced on some
  // platforms (Windows); the new file is in place either way, so failures are ignored.
  try {
    const dir = await fs.open(directory, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // best effort
  }
}

/**
 * Reads a whole file.
 * @returns The bytes, as a plain Uint8Array (not a Node Buffer).
 * @throws RnnkitError naming the path: "no such file: <path>", or "could not read <path>: <reason>".
 * @throws EnvironmentError outside Node.js.
 */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const fs = await nodeModule<Fs>('node:fs/promises', 'readFileBytes');
  try {
    const buffer = await fs.readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const message = codeOf(error) === 'ENOENT' ? `no such file: ${path}` : `could not read ${path}: ${reason(error)}`;
    throw withCause(new RnnkitError(message), error);
  }
}

/** Imports a Node built-in by a specifier bundlers do not follow. */
async function nodeModule<T>(specifier: string, caller: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T;
  } catch (error) {
    throw withCause(new EnvironmentError(`${caller} needs Node.js (${specifier} is not available here)`), error);
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A system error's reason without the decoration of Node's "CODE: description, syscall 'path'"
 * messages (the caller names the path), e.g. "no such file or directory (ENOENT)".
 */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = codeOf(error);
  if (code === undefined) return message;
  const text = message.startsWith(`${code}: `) ? message.slice(code.length + 2).replace(/, \w+( '.*')?$/, '') : message;
  return `${text} (${code})`;
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  error.cause = cause;
  return error;
}
