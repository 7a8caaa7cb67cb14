/**
 * Writing poems with a character language model trained on poems one per line (such as
 * `data/tang-quatrains.txt`): a poem starts after a line break and ends when the model
 * draws the next one. The model writes freely — temperature, top-k and top-p as in
 * {@link LanguageModel.sample} — from a beginning the user gives (a first character or a
 * first line), or as an acrostic (藏头诗), where line i must begin with the i-th given
 * character. Nothing else is imposed: whether the lines come out the right length with
 * the right marks is the model's doing, which {@link formScore} measures.
 */
import { drawFrom, resolveSampling, type Sampling, type SamplingOptions, samplingDistribution } from '../decode/sampling.js';
import type { Tokenizer } from '../data/tokenizers/tokenizer.js';
import { UsageError } from '../errors.js';
import type { LanguageModel, TextContinuation } from '../models/language-model/language-model.js';
import { Random } from '../random.js';
import { LINE_END_MARKS } from './form.js';

/** Options of {@link samplePoems}. */
export interface PoemOptions extends SamplingOptions {
  /**
   * The poem's beginning, kept in the poem: a first character (`'春'`) or a first line
   * (`'春眠不觉晓'`, with or without its mark). Not with `acrostic`.
   * @default none: the model picks the first character too
   */
  start?: string;
  /**
   * An acrostic (藏头诗): line i begins with the i-th character of this text (`'春夏秋冬'`
   * for a quatrain). A line begins at the poem's start and after each of ，。？！；. The model
   * may not end the poem before every character has begun its line. Not with `start`.
   */
  acrostic?: string;
  /** Longest poem, in characters; a poem that reaches it stops there, unfinished. @default 64 */
  maxLength?: number;
  /** Seed of the draws. @default the model's generator */
  seed?: number;
}

/** Default {@link PoemOptions.maxLength}: twice the 32 characters of a seven-character quatrain. */
export const POEM_MAX_LENGTH = 64;

/** The line break that separates poems in the training text (and ends a sampled one). */
const POEM_END = '\n';

/**
 * Samples `count` poems as the model read poems in training: one after the other in one
 * text, each beginning after the line break that ended the one before. The text begins
 * with a line break and a first poem that is drawn freely and discarded (the model never
 * saw a poem begin from a blank state, only after another poem). Each poem then opens with
 * `start` or the acrostic's first character and goes on, drawn character by character
 * from one generator (seeded by `seed`), until the model draws a line break or the poem
 * reaches `maxLength` characters (then a line break is fed to close it). The poems are
 * returned without their line breaks.
 * @throws UsageError for a model that is not character-level, for `start` with
 * `acrostic`, for a character of `start` or `acrostic` the model does not know, a line
 * break in either, a mark of ，。？！； in `acrostic`, or invalid sampling options.
 * @example
 * const [poem] = samplePoems(model, 1, { acrostic: '春夏秋冬', temperature: 0.8, seed: 1 });
 * formScore(samplePoems(model, 100, { temperature: 0.8 }));  // fraction of regular quatrains
 */
export function samplePoems(model: LanguageModel, count: number, options: PoemOptions = {}): string[] {
  if (!Number.isInteger(count) || count < 0) throw new UsageError(`samplePoems: count must be an integer ≥ 0, got ${count}`);
  const plan = planPoem(model.tokenizer, options);
  // As LanguageModel.sample: the tokenizer's placeholders (<unk>) are never drawn.
  const sampling = resolveSampling(options, model.tokenizer.placeholderIds);
  const writer = new PoemWriter(model, sampling, options.seed === undefined ? model.random : new Random(options.seed), plan.endId);
  if (count === 0) return [];
  writer.write({ ...plan, opening: [], acrostic: [] });
  return Array.from({ length: count }, () => writer.write(plan));
}

/** Samples one poem: `samplePoems(model, 1, options)[0]`, see {@link samplePoems}. */
export function samplePoem(model: LanguageModel, options: PoemOptions = {}): string {
  return samplePoems(model, 1, options)[0];
}

interface PoemPlan {
  /** Token ids the poem opens with: `start`, or the acrostic's first character. */
  opening: number[];
  /** Token ids of the acrostic's characters (empty without one). */
  acrostic: number[];
  /** Id of the line break, when the model knows it. */
  endId: number | undefined;
  maxLength: number;
}

/**
 * Checks poem options against a model's tokenizer without sampling (e.g. before training a
 * model with that tokenizer), as {@link samplePoems} checks them.
 * @throws UsageError as {@link samplePoems} does.
 */
export function checkPoemOptions(tokenizer: Tokenizer, options: PoemOptions): void {
  planPoem(tokenizer, options);
  resolveSampling(options);
}

/** Checks the options against the tokenizer and turns them into ids. */
function planPoem(tokenizer: Tokenizer, options: PoemOptions): PoemPlan {
  if (tokenizer.kind !== 'char') throw new UsageError(`poems need a character-level model, this one has a ${tokenizer.kind} tokenizer`);
  const { start = '', acrostic = '' } = options;
  if (start !== '' && acrostic !== '') throw new UsageError('give a poem either a start or an acrostic, not both');
  const maxLength = options.maxLength ?? POEM_MAX_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new UsageError(`maxLength must be an integer ≥ 1, got ${maxLength}`);
  const idOf = (ch: string, what: string): number => {
    if (ch === POEM_END) throw new UsageError(`the ${what} of a poem cannot contain a line break`);
    const id = tokenizer.encode(ch)[0];
    if (id === tokenizer.unkId) throw new UsageError(`the ${what} has '${ch}', a character the model does not know`);
    return id;
  };
  const startIds = [...start].map((ch) => idOf(ch, 'start'));
  const acrosticIds = [...acrostic].map((ch) => {
    if (LINE_END_MARKS.has(ch)) throw new UsageError(`the acrostic has '${ch}', a mark that ends a line, not a character to begin one`);
    return idOf(ch, 'acrostic');
  });
  const end = tokenizer.encode(POEM_END)[0];
  return {
    opening: acrostic === '' ? startIds : acrosticIds.slice(0, 1),
    acrostic: acrosticIds,
    endId: end !== undefined && end !== tokenizer.unkId ? end : undefined,
    maxLength,
  };
}

/** Draws poems one after the other into one text, see {@link samplePoems}. */
class PoemWriter {
  private readonly text: TextContinuation;
  private readonly scores: Float32Array; // [V] the model's scores, masked
  private readonly probs: Float64Array; // [V] the distribution drawn from

  constructor(
    private readonly model: LanguageModel,
    private readonly sampling: Sampling,
    private readonly random: Random,
    private readonly endId: number | undefined,
  ) {
    this.text = model.continuation(POEM_END);
    this.scores = new Float32Array(model.tokenizer.vocabSize);
    this.probs = new Float64Array(model.tokenizer.vocabSize);
  }

  /** Writes the next poem and feeds the line break that closes it. */
  write(plan: PoemPlan): string {
    const { text, endId, scores } = this;
    const tokenizer = this.model.tokenizer;
    let poem = '';
    let length = 0;
    let nextLine = Math.min(1, plan.acrostic.length); // acrostic characters placed
    let lineStart = false;
    const append = (id: number): void => {
      const ch = tokenizer.tokenText(id);
      poem += ch;
      length++;
      lineStart = LINE_END_MARKS.has(ch);
      text.push(id);
    };
    for (const id of plan.opening) append(id);
    while (length < plan.maxLength) {
      if (lineStart && nextLine < plan.acrostic.length) {
        append(plan.acrostic[nextLine++]);
        continue;
      }
      scores.set(text.logits());
      // The poem may not end while acrostic characters wait for their lines.
      if (endId !== undefined && nextLine < plan.acrostic.length) scores[endId] = -Infinity;
      samplingDistribution(scores, this.sampling, this.probs);
      const id = drawFrom(this.probs, this.random);
      if (id === endId) break;
      append(id);
    }
    if (endId !== undefined) text.push(endId);
    return poem;
  }
}
