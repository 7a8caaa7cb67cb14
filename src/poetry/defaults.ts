/**
 * How rnnkit trains a character language model on poems one per line (the Tang quatrains
 * of `data/tang-quatrains.txt`) and scores what it writes — shared by `rnnkit demo --corpus
 * tang` and the playground's Tang choice.
 */
import type { LanguageModelTraining } from '../models/language-model/language-model.js';

/**
 * Training settings for poems, over `LANGUAGE_MODEL_TRAINING_DEFAULTS`: with about
 * 5,000 characters the softmax over the vocabulary dominates a step, so short batches
 * (16 sequences × 32 characters, a quatrain's length) give many updates per second, and a
 * learning rate of 3e-3 learns the form (lines of equal length, ，。，。) within minutes.
 */
export const POEM_TRAINING_DEFAULTS: Readonly<Pick<LanguageModelTraining, 'batch' | 'seqLen' | 'lr'>> = { batch: 16, seqLen: 32, lr: 3e-3 };

/** The temperature at which poems are sampled for a form score (`formScore`). */
export const FORM_SCORE_TEMPERATURE = 0.8;
