/**
 * The texts the playground offers out of the box, each loaded only when chosen: the
 * bundled Moby Dick, English first names, rnnkit's own TypeScript source, and the Tang
 * quatrains (poems one per line, which the page samples whole and scores for form).
 */
import mobyDickUrl from '../../../data/moby-dick.txt?url';
import tangUrl from '../../../data/tang-quatrains.txt?url';
import { LocalizedError, type MessageKey, msg } from '../i18n/message.js';

/** A bundled text: how the page lists it, and how to load it. */
export interface Corpus {
  id: string;
  /** Its name in the list. */
  label: MessageKey;
  /** One line on what it is and where it comes from. */
  about: MessageKey;
  /** Poems one per line: trained with the poem defaults, sampled as whole poems, scored for form. */
  poems: boolean;
  /** A text for the views of the inside that suits a model of this text (undefined: the page's default, in English). */
  probe?: string;
  load(): Promise<string>;
}

/** A bundled file, fetched. @throws LocalizedError naming it when the download fails. */
async function fetchText(url: string, label: MessageKey): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new LocalizedError(msg('source.loadFailed', { name: msg(label), status: response.status }));
  return response.text();
}

/** Four quatrains every reader knows (李白《静夜思》, 王之涣《登鹳雀楼》, 孟浩然《春晓》, 王维《鹿柴》), one per line as in the training text. */
const TANG_PROBE = [
  '床前明月光，疑是地上霜。举头望明月，低头思故乡。',
  '白日依山尽，黄河入海流。欲穷千里目，更上一层楼。',
  '春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。',
  '空山不见人，但闻人语响。返景入深林，复照青苔上。',
].join('\n');

export const CORPORA: readonly Corpus[] = [
  {
    id: 'moby-dick',
    label: 'corpus.moby-dick',
    about: 'corpus.moby-dick.about',
    poems: false,
    load: () => fetchText(mobyDickUrl, 'corpus.moby-dick'),
  },
  {
    id: 'first-names',
    label: 'corpus.first-names',
    about: 'corpus.first-names.about',
    poems: false,
    load: async () => (await import('./first-names.js')).firstNames(),
  },
  {
    id: 'rnnkit-source',
    label: 'corpus.rnnkit-source',
    about: 'corpus.rnnkit-source.about',
    poems: false,
    load: async () => (await import('./rnnkit-source.js')).rnnkitSource(),
  },
  {
    id: 'tang',
    label: 'corpus.tang',
    about: 'corpus.tang.about',
    poems: true,
    probe: TANG_PROBE,
    load: () => fetchText(tangUrl, 'corpus.tang'),
  },
];
