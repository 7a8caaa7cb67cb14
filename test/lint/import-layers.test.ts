// The import layering of src/ is enforced by ESLint (eslint.config.js): these tests plant an
// upward import, a sibling import and a cycle into real source files' text and expect the
// linter to reject each, and check that the files as they are pass.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const eslint = new ESLint({ cwd: root });

/** The rule ids ESLint reports for `file` (relative to the root) with `extra` prepended to its text. */
async function rulesFor(file: string, extra: string): Promise<string[]> {
  const path = join(root, file);
  const [result] = await eslint.lintText(`${extra}${readFileSync(path, 'utf8')}`, { filePath: path });
  return result.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('import layering', () => {
  it('accepts the files as they are', async () => {
    for (const file of ['src/cells/lstm.ts', 'src/tensor/workspace.ts', 'src/losses/cross-entropy.ts', 'src/models/seq2seq/core.ts']) {
      assert.deepEqual(await rulesFor(file, ''), [], file);
    }
  });

  it('rejects an upward import: cells/ importing the backend', async () => {
    const messages = await rulesFor(
      'src/cells/lstm.ts',
      "import type { Backend } from '../backend/backend.js';\nexport type Planted = Backend;\n",
    );
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0], /^import-x\/no-restricted-paths: .*src\/cells sits below this folder/);
  });

  it('rejects an upward import: losses/ importing training/', async () => {
    const messages = await rulesFor(
      'src/losses/mse.ts',
      "import type { Optimizer } from '../training/optim/optimizer.js';\nexport type Planted = Optimizer;\n",
    );
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0], /^import-x\/no-restricted-paths: .*src\/losses sits below this folder/);
  });

  it('rejects a sibling import within a layer: layers/ importing data/', async () => {
    const messages = await rulesFor(
      'src/layers/dense.ts',
      "import type { Tokenizer } from '../data/tokenizers/tokenizer.js';\nexport type Planted = Tokenizer;\n",
    );
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0], /^import-x\/no-restricted-paths/);
  });

  it('rejects a cycle inside a folder', async () => {
    // direction.ts imports DirectionBuffers from direction-buffers.ts; a value import back closes a cycle.
    const messages = await rulesFor(
      'src/layers/recurrent/direction-buffers.ts',
      "import { Direction } from './direction.js';\nexport const planted = Direction;\n",
    );
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0], /^import-x\/no-cycle: /);
  });
});
