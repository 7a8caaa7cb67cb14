/**
 * The texts the playground offers out of the box, each loaded only when chosen: the
 * bundled Moby Dick, English first names, and rnnkit's own TypeScript source.
 */
import mobyDickUrl from '../../../data/moby-dick.txt?url';

/** A bundled text: how the page lists it, and how to load it. */
export interface Corpus {
  id: string;
  label: string;
  /** One line on what it is and where it comes from. */
  about: string;
  load(): Promise<string>;
}

export const CORPORA: readonly Corpus[] = [
  {
    id: 'moby-dick',
    label: 'Moby Dick',
    about: 'Herman Melville’s novel (1851), public domain: 1.2 million characters of 19th-century English.',
    load: async () => {
      const response = await fetch(mobyDickUrl);
      if (!response.ok) throw new Error(`could not load Moby Dick (HTTP ${response.status})`);
      return response.text();
    },
  },
  {
    id: 'first-names',
    label: 'First names',
    about: 'About 7,600 English first names, one per line (the @stdlib female and male name lists, Apache-2.0).',
    load: async () => (await import('./first-names.js')).firstNames(),
  },
  {
    id: 'rnnkit-source',
    label: 'rnnkit’s TypeScript source',
    about: 'The source code of this library: can a network learn to write TypeScript?',
    load: async () => (await import('./rnnkit-source.js')).rnnkitSource(),
  },
];
