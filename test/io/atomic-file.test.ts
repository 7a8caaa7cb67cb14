import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RnnkitError, UsageError } from '../../src/errors.js';
import { readFileBytes, writeFileAtomic } from '../../src/io/atomic-file.js';
import { readSafetensors, safetensorsMetadata, writeSafetensors } from '../../src/io/safetensors.js';
import { tensor } from '../../src/tensor/tensor.js';

describe('writeFileAtomic and readFileBytes', () => {
  let root: string;
  let count = 0;
  /** A fresh empty directory per test. */
  const freshDir = (): string => {
    const dir = join(root, `case-${count++}`);
    mkdirSync(dir);
    return dir;
  };
  const bytes = (...values: number[]) => new Uint8Array(values);

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'rnnkit-atomic-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes a new file and leaves nothing else in its directory', async () => {
    const dir = freshDir();
    const path = join(dir, 'model.safetensors');
    await writeFileAtomic(path, bytes(1, 2, 3));
    assert.deepEqual(new Uint8Array(readFileSync(path)), bytes(1, 2, 3));
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
  });

  it('replaces an existing file, keeping its permissions', async () => {
    const dir = freshDir();
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old content, longer than the new one');
    chmodSync(path, 0o640);
    await writeFileAtomic(path, bytes(9, 8));
    assert.deepEqual(new Uint8Array(readFileSync(path)), bytes(9, 8));
    assert.equal(statSync(path).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
  });

  it('writes a view into a larger buffer as just its bytes', async () => {
    const dir = freshDir();
    const path = join(dir, 'view.bin');
    await writeFileAtomic(path, bytes(0, 1, 2, 3, 4, 5).subarray(2, 4));
    assert.deepEqual(new Uint8Array(readFileSync(path)), bytes(2, 3));
  });

  it('ends concurrent writes to one path with one complete file and no temp files', async () => {
    const dir = freshDir();
    const path = join(dir, 'race.bin');
    const contents = Array.from({ length: 8 }, (_, i) => new Uint8Array(4096).fill(i + 1));
    await Promise.all(contents.map((c) => writeFileAtomic(path, c)));
    const final = new Uint8Array(readFileSync(path));
    assert.equal(final.length, 4096);
    assert.ok(final.every((v) => v === final[0]) && final[0] >= 1 && final[0] <= 8, 'one whole write won');
    assert.deepEqual(readdirSync(dir), ['race.bin']);
  });

  it('fails clearly when the target directory is missing, creating nothing', async () => {
    const dir = freshDir();
    const path = join(dir, 'missing', 'model.safetensors');
    await assert.rejects(writeFileAtomic(path, bytes(1)), (error: unknown) => {
      assert.ok(error instanceof RnnkitError);
      assert.match(error.message, /^could not write .*missing\/model\.safetensors: no such file or directory \(ENOENT\)$/);
      assert.equal((error.cause as { code?: string }).code, 'ENOENT');
      return true;
    });
    assert.deepEqual(readdirSync(dir), []);
  });

  it('fails when the target is a directory, leaving it as it was and no temp file', async () => {
    const dir = freshDir();
    const path = join(dir, 'model.safetensors');
    mkdirSync(path);
    writeFileSync(join(path, 'inside.txt'), 'keep me');
    await assert.rejects(writeFileAtomic(path, bytes(1, 2)), (error: unknown) => {
      assert.ok(error instanceof RnnkitError);
      assert.match(error.message, /^could not write .*model\.safetensors: .*\((EISDIR|EEXIST|ENOTEMPTY|EPERM)\)$/);
      return true;
    });
    assert.deepEqual(readdirSync(dir), ['model.safetensors'], 'no temp file left');
    assert.ok(statSync(path).isDirectory());
    assert.equal(readFileSync(join(path, 'inside.txt'), 'utf8'), 'keep me');
  });

  it('fails in the middle of writing without touching the old file or leaving a temp file', async () => {
    const dir = freshDir();
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'the old model');
    // Passes the up-front Uint8Array check, but Node cannot write it: the failure comes after the temp file exists.
    const unwritable = new Proxy(bytes(1, 2, 3), {});
    await assert.rejects(writeFileAtomic(path, unwritable), (error: unknown) => {
      assert.ok(error instanceof RnnkitError);
      assert.match(error.message, /^could not write .*model\.safetensors: /);
      return true;
    });
    assert.equal(readFileSync(path, 'utf8'), 'the old model');
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
  });

  it('rejects bytes that are not a Uint8Array before touching the disk', async () => {
    const dir = freshDir();
    await assert.rejects(
      writeFileAtomic(join(dir, 'x'), 'text' as unknown as Uint8Array),
      (error: unknown) => error instanceof UsageError && /expected the bytes as a Uint8Array, got string/.test(error.message),
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  it('reads a file back as a plain Uint8Array', async () => {
    const dir = freshDir();
    const path = join(dir, 'data.bin');
    writeFileSync(path, bytes(5, 6, 7));
    const read = await readFileBytes(path);
    assert.equal(Object.getPrototypeOf(read), Uint8Array.prototype, 'not a Node Buffer');
    assert.deepEqual(read, bytes(5, 6, 7));
  });

  it('names the path when a file to read is missing or is a directory', async () => {
    const dir = freshDir();
    const missing = join(dir, 'nope.safetensors');
    await assert.rejects(
      readFileBytes(missing),
      (error: unknown) => error instanceof RnnkitError && error.message === `no such file: ${missing}`,
    );
    await assert.rejects(
      readFileBytes(dir),
      (error: unknown) =>
        error instanceof RnnkitError && error.message === `could not read ${dir}: illegal operation on a directory (EISDIR)`,
    );
  });

  it('saves and loads a safetensors model file', async () => {
    const dir = freshDir();
    const path = join(dir, 'lstm.safetensors');
    await writeFileAtomic(path, writeSafetensors({ weight_hh_l0: tensor([4, 1], [1, 2, 3, 4]) }, { format: 'rnnkit' }));
    const dict = readSafetensors(await readFileBytes(path));
    assert.deepEqual(Array.from(dict['weight_hh_l0'].data), [1, 2, 3, 4]);
    assert.deepEqual(safetensorsMetadata(dict), { format: 'rnnkit' });
  });
});
