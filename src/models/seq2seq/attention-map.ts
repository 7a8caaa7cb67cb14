/**
 * What an encoder–decoder attends to, as text: the source's tokens, each output token, and
 * the weight every output step put on every source step (Bahdanau et al. 2015, Fig. 3),
 * for greedy decoding and for each hypothesis of beam search.
 *
 * Legend: S source tokens, N output steps (the end token's step included when the output
 * finished); `weights` is [N][S] and each row sums to 1 over the source.
 */
import { UsageError } from '../../errors.js';
import type { Seq2Seq } from './seq2seq.js';

/** The label of the end token's row. */
export const END_LABEL = '⟨end⟩';

/** One decoded output with its attention. */
export interface AttentionMap {
  /** The output's tokens as text (the end token as {@link END_LABEL} when the output finished). */
  output: string[];
  /** The output as text. */
  text: string;
  /** `weights[i][j]`: output step i's weight on source token j, [N][S]. */
  weights: number[][];
  /** Natural log of the output's probability (beam search). */
  logProb?: number;
}

/** The attention of greedy decoding and of beam search over one source text. */
export interface AttentionMaps {
  /** The source's tokens as text. */
  source: string[];
  greedy: AttentionMap;
  /** Beam search's outputs, best first. */
  beam: AttentionMap[];
}

/** Options of {@link attentionMaps}. */
export interface AttentionMapOptions {
  /** Hypotheses beam search keeps. @default 4 */
  beamWidth?: number;
  /** Most output tokens, the end token included. @default 50 */
  maxLength?: number;
}

/**
 * Decodes `text` greedily and with beam search and returns what each output step attended to.
 * @throws UsageError when the model has no attention, no source tokenizer, or `text` has no token.
 */
export async function attentionMaps(model: Seq2Seq, text: string, options: AttentionMapOptions = {}): Promise<AttentionMaps> {
  if (model.settings.context !== 'attention') {
    throw new UsageError(`this encoder–decoder passes the source as a fixed context ('${model.settings.context}'), not through attention`);
  }
  const { tokenizer, outputTokenizer, labels } = model.vocabularies;
  if (tokenizer === undefined) throw new UsageError('this encoder–decoder has no source tokenizer to read text with');
  const ids = [...tokenizer.encode(text)];
  if (ids.length === 0) throw new UsageError('the source has no token');
  const maxLength = options.maxLength ?? 50;
  const tokenText = (id: number): string => (id === model.end ? END_LABEL : (outputTokenizer?.tokenText(id) ?? labels?.[id] ?? String(id)));
  const textOf = (tokens: number[]): string => outputTokenizer?.decode(tokens) ?? tokens.map(tokenText).join(' ');
  const map = (tokens: number[], weights: number[][], logProb?: number): AttentionMap => {
    const output = [...tokens.map(tokenText), ...(weights.length > tokens.length ? [END_LABEL] : [])];
    return { output, text: textOf(tokens), weights: weights.slice(0, output.length), ...(logProb === undefined ? {} : { logProb }) };
  };
  const [greedy] = await model.greedy([ids], { maxLength });
  const beam = await model.beamSearch(ids, { beamWidth: options.beamWidth ?? 4, maxLength });
  return {
    source: ids.map((id) => tokenizer.tokenText(id)),
    greedy: map(greedy.tokens, greedy.attention),
    beam: beam.map((h) => map(h.tokens, h.steps, h.logProb)),
  };
}
