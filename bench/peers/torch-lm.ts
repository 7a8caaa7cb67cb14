/**
 * The PyTorch side of `npm run bench -- lm`: runs `bench/reference/torch_lm.py` in a child
 * process and returns its figures — validation bits per character of a character language
 * model (Embedding → LSTM/GRU → Linear, Adam, clipping, truncated BPTT over the corpus)
 * after a fixed wall-clock training budget. The script's docstring is the procedure that
 * rnnkit's side repeats exactly (tokens, split, batchify, state carry, evaluation).
 *
 * PyTorch trains in its own process, before or after rnnkit, not at the same time: on this
 * shared 2-core machine the two budgets may see different loads, so compare steps and
 * tokens/s along with the bits per character.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTorchEnvironment, runTorchScript, type TorchEnvironment } from './python.js';
import type { CellKind } from './workloads.js';

const SCRIPT = fileURLToPath(new URL('../reference/torch_lm.py', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Options of {@link runTorchLanguageModel}; defaults are the script's. */
export interface TorchLmOptions {
  /** Seconds of wall-clock training (evaluation is not counted). */
  budgetSeconds: number;
  /** Recurrent cell. @default 'lstm' */
  cell?: CellKind;
  /** Hidden size H. @default 256 */
  hidden?: number;
  /** Stacked recurrent layers. @default 1 */
  layers?: number;
  /** Embedding width E. @default 64 */
  embed?: number;
  /** Parallel streams B. @default 32 */
  batch?: number;
  /** Time steps per batch T (the truncated-BPTT length; `--seq-len` of the script). @default 64 */
  steps?: number;
  /** Adam learning rate. @default 2e-3 */
  lr?: number;
  /** Maximum global gradient norm. @default 5 */
  clip?: number;
  /** `torch.manual_seed` before the model is built. @default 1 */
  seed?: number;
  /** UTF-8 corpus, relative to the repo root unless absolute. @default 'data/moby-dick.txt' */
  data?: string;
}

/** What `torch_lm.py` prints (`budget`: training seconds). */
export interface TorchLmResult extends TorchEnvironment {
  /** Training steps done (each one batch of T × B tokens). */
  steps: number;
  /** Fractional epochs: steps / batches per epoch. */
  epochs: number;
  /** Tokens trained on: steps × T × B. */
  tokens: number;
  /** Actual training seconds (≥ budget: the last step finishes). */
  trainSeconds: number;
  /** tokens / trainSeconds. */
  tokensPerSecond: number;
  /** Mean training loss (nats) of the last 50 steps. */
  trainLoss: number;
  /** Mean validation cross-entropy (nats per character). */
  valLoss: number;
  /** valLoss / ln 2. */
  valBitsPerChar: number;
  /** Seconds the evaluation took (not in the budget). */
  evalSeconds: number;
  /** The hyperparameters of the run. */
  config: {
    cell: CellKind;
    embed: number;
    hidden: number;
    layers: number;
    batch: number;
    /** T. */
    steps: number;
    lr: number;
    clip: number;
    seed: number;
    valFraction: number;
  };
  /** The corpus as the script saw it. */
  data: {
    /** Relative to the repo root when inside it. */
    path: string;
    characters: number;
    /** Vocabulary size V, including `<unk>`. */
    vocab: number;
    trainIds: number;
    valIds: number;
    batchesPerEpoch: number;
    /** Validation positions evaluated: floor(L / T) × T × B. */
    valPositions: number;
  };
}

/**
 * Trains the PyTorch reference language model for `options.budgetSeconds` and returns its
 * figures, or `undefined` (after printing a note) when no Python with torch is found or the
 * script fails.
 */
export async function runTorchLanguageModel(options: TorchLmOptions): Promise<TorchLmResult | undefined> {
  const args = ['--budget', String(options.budgetSeconds)];
  const flags: [string, string | number | undefined][] = [
    ['--cell', options.cell],
    ['--hidden', options.hidden],
    ['--layers', options.layers],
    ['--embed', options.embed],
    ['--batch', options.batch],
    ['--seq-len', options.steps],
    ['--lr', options.lr],
    ['--clip', options.clip],
    ['--seed', options.seed],
    ['--data', options.data === undefined ? undefined : resolve(REPO_ROOT, options.data)],
  ];
  for (const [flag, value] of flags) if (value !== undefined) args.push(flag, String(value));
  // Budget + importing torch, encoding the corpus, the last step and the evaluation; generous slack.
  return runTorchScript('PyTorch language model', SCRIPT, args, 2 * options.budgetSeconds + 180, isTorchLmResult);
}

const NUMBERS = [
  'steps',
  'epochs',
  'tokens',
  'trainSeconds',
  'tokensPerSecond',
  'trainLoss',
  'valLoss',
  'valBitsPerChar',
  'evalSeconds',
] as const;

function isTorchLmResult(value: unknown): value is TorchLmResult {
  return (
    hasTorchEnvironment(value) &&
    NUMBERS.every((key) => typeof value[key] === 'number') &&
    typeof value['config'] === 'object' &&
    value['config'] !== null &&
    typeof value['data'] === 'object' &&
    value['data'] !== null
  );
}
