// The style rules of eslint.config.js that Prettier does not cover: planted into a real source
// file's text, a non-null assertion on an indexed access and an over-long line are rejected.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const eslint = new ESLint({ cwd: root });
const file = join(root, 'src/tensor/tensor.ts');

async function rulesFor(extra: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${readFileSync(file, 'utf8')}${extra}`, { filePath: file });
  return result.messages.map((m) => m.ruleId ?? 'fatal');
}

describe('style rules', () => {
  it('accept the file as it is', async () => {
    assert.deepEqual(await rulesFor(''), []);
  });

  it('reject a non-null assertion on an indexed access', async () => {
    const rules = await rulesFor('export const plantedFirst = (a: readonly number[]): number => a[0]!;\n');
    assert.deepEqual(rules.sort(), ['@typescript-eslint/no-unnecessary-type-assertion', 'no-restricted-syntax']);
  });

  it('reject a line over 140 characters', async () => {
    assert.deepEqual(await rulesFor(`export const plantedText = '${'x'.repeat(140)}';\n`), ['@stylistic/max-len']);
  });
});
