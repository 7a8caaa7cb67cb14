/**
 * `rnnkit demo` (what `npm start` runs): trains a character-level LSTM on a bundled text
 * for a few minutes, shows what it writes, saves the model and says how to go on. The
 * text is Moby Dick (samples at three temperatures), or with `--corpus tang` the Tang
 * quatrains (poems from a first character or line, or an acrostic, with their form score).
 */
import { type Command, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { CharTokenizer } from '../data/tokenizers/char.js';
import { UsageError } from '../errors.js';
import type { LanguageModel } from '../models/language-model/language-model.js';
import { checkPoemOptions, type PoemOptions } from '../poetry/compose.js';
import { FORM_SCORE_TEMPERATURE, POEM_TRAINING_DEFAULTS } from '../poetry/defaults.js';
import { formatDuration } from '../training/duration.js';
import { type BackendFlags, number, readText, useBackend, withBackendOptions } from './common.js';
import { formLine, poemOptionsOf, writePoems } from './poem.js';
import { progressDisplay } from './progress.js';
import { type LanguageModelRun, RUN_DEFAULTS, trainLanguageModel } from './train-lm.js';

/** The model and training settings: sized to learn visibly in a few minutes on two cores. */
const DEMO_SETTINGS = { ...RUN_DEFAULTS, hiddenSize: 256, numLayers: 1, embeddingDim: 64, batch: 32, seqLen: 64, lr: 3e-3 };

/** A text the demo trains on. */
interface DemoCorpus {
  /** File under data/. */
  file: string;
  /** How the first line names it. */
  title: string;
  /** What one pass over it is called. */
  pass: string;
  /** Default model file. */
  out: string;
  /** Default training time, seconds. */
  seconds: number;
  settings: Omit<LanguageModelRun, 'data'>;
}

const CORPORA = {
  'moby-dick': {
    file: 'moby-dick.txt',
    title: 'Moby Dick',
    pass: 'passes over the book',
    out: 'moby-dick.safetensors',
    seconds: 150,
    settings: DEMO_SETTINGS,
  },
  // 13,976 poems over 5,188 characters: short batches, many updates (POEM_TRAINING_DEFAULTS);
  // the form (lines of equal length, ，。，。) takes more of them than English words do, hence five minutes.
  tang: {
    file: 'tang-quatrains.txt',
    title: 'the Tang quatrains',
    pass: 'passes over the poems',
    out: 'tang-poems.safetensors',
    seconds: 300,
    settings: { ...DEMO_SETTINGS, ...POEM_TRAINING_DEFAULTS },
  },
} satisfies Record<string, DemoCorpus>;

type CorpusName = keyof typeof CORPORA;

/** Poems the tang demo samples for its form score; it shows the first {@link POEMS_SHOWN}. */
const POEMS_SCORED = 100;
const POEMS_SHOWN = 5;
/** Temperature of the tang demo's poems. */
const POEM_TEMPERATURE = FORM_SCORE_TEMPERATURE;

interface DemoFlags extends BackendFlags {
  corpus: CorpusName;
  time?: number;
  out?: string;
  start?: string;
  acrostic?: string;
}

export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .description('train a character-level LSTM on Moby Dick (or Tang poems) for a few minutes and show what it writes')
    .addOption(
      new Option('--corpus <name>', 'text to learn: Moby Dick, or the Tang quatrains (五言/七言绝句)')
        .choices(Object.keys(CORPORA))
        .default('moby-dick'),
    )
    .option('--time <seconds>', 'training time (default: 150, tang 300)', number(1))
    .option('--out <model>', 'where to save the model (default: moby-dick.safetensors, tang-poems.safetensors)')
    .option('--start <text>', 'tang: the first character or line of each poem')
    .option('--acrostic <characters>', 'tang: an acrostic (藏头诗), each line beginning with the next character')
    .addHelpText(
      'after',
      '\nExamples:\n  $ rnnkit demo --time 60 --out /tmp/moby.safetensors\n  $ rnnkit demo --corpus tang --acrostic 春夏秋冬',
    );
  withBackendOptions(command).action(async (flags: DemoFlags) => {
    const corpus: DemoCorpus = CORPORA[flags.corpus];
    const poems = flags.corpus === 'tang' ? poemOptionsOf({ ...flags, temperature: POEM_TEMPERATURE, seed: 7 }) : undefined;
    if (poems === undefined && (flags.start !== undefined || flags.acrostic !== undefined)) {
      throw new UsageError('--start and --acrostic begin poems: use them with --corpus tang');
    }
    const data = fileURLToPath(new URL(`../../data/${corpus.file}`, import.meta.url));
    // Refuse a character the poems do not have before training, not after.
    if (poems !== undefined) checkPoemOptions(CharTokenizer.fromText(await readText(data)), poems);
    await useBackend(flags);
    const seconds = flags.time ?? corpus.seconds;
    const out = flags.out ?? corpus.out;
    const s = corpus.settings;
    say(`Training a character-level LSTM (${s.numLayers} × ${s.hiddenSize} units) on ${corpus.title} for ${formatDuration(seconds)}…`);
    const display = progressDisplay(false);
    const { model, training, validation } = await trainLanguageModel({
      run: { ...s, data },
      budget: { seconds },
      out,
      onProgress: (p) => display.update(p),
    }).finally(() => display.stop());
    say(
      `\n${training.steps} steps, ${training.tokens.toLocaleString('en-US')} characters ` +
        `(${training.epochs.toFixed(2)} ${corpus.pass}), ${Math.round(training.tokens / training.seconds).toLocaleString('en-US')} chars/s`,
    );
    if (validation) say(`held-out text: ${validation.bitsPerChar.toFixed(3)} bits per character`);
    if (poems === undefined) {
      await showSamples(model);
      say(`\nModel saved to ${out}. Continue with:`);
      say(`  npx rnnkit sample --model ${out} --prime "Call me" --temperature 0.8`);
      say(`  npx rnnkit eval --model ${out} --data data/moby-dick.txt`);
    } else {
      showPoems(model, poems);
      say(`\nModel saved to ${out}. Continue with:`);
      say(`  npx rnnkit poem --model ${out} --acrostic 春夏秋冬`);
      say(`  npx rnnkit poem --model ${out} --start 白日依山尽 --count 3`);
    }
  });
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function showSamples(model: LanguageModel): Promise<void> {
  for (const temperature of [0.5, 0.8, 1.0]) {
    say(`\n── temperature ${temperature} ${'─'.repeat(50)}`);
    for await (const piece of model.sample({ length: 400, temperature, seed: 7 })) process.stdout.write(piece);
    say('');
  }
}

function showPoems(model: LanguageModel, options: PoemOptions): void {
  const written = writePoems(model, POEMS_SCORED, options);
  const from =
    options.acrostic !== undefined ? `, acrostic ${options.acrostic}` : options.start !== undefined ? `, starting ${options.start}` : '';
  say(`\n── ${POEMS_SHOWN} of ${POEMS_SCORED} poems (temperature ${POEM_TEMPERATURE}${from}) ${'─'.repeat(30)}`);
  for (const poem of written.poems.slice(0, POEMS_SHOWN)) say(poem);
  say(`\n${formLine(written)}`);
}
