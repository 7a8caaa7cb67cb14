/** Temporary directories for test suites. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

/**
 * A temporary directory for the enclosing suite, made before its tests (with `files` written
 * into it) and removed after them. Returns the function that gives a path inside it.
 */
export function suiteDir(prefix: string, files: Record<string, () => string> = {}): (name: string) => string {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return (name) => join(dir, name);
}
