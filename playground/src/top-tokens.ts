import type { LanguageModel } from '../../src/index.js';
import type { TokenProbability } from './protocol.js';

/** The `count` likeliest tokens of a next-token distribution (zero probabilities left out), likeliest first. */
export function topTokens(model: LanguageModel, probs: Float64Array, count: number): TokenProbability[] {
  const ids = Array.from(probs.keys()).filter((id) => probs[id] > 0);
  ids.sort((a, b) => probs[b] - probs[a] || a - b);
  return ids.slice(0, count).map((id) => ({ token: model.tokenizer.tokenText(id), probability: probs[id] }));
}
