/**
 * The training worker: it owns the WebAssembly backend (threaded when the page is
 * cross-origin isolated), the language model and its training run, so that the page's
 * thread only draws. Training runs the same loop, defaults and model files as
 * `rnnkit train lm`; between two steps the worker answers the page (samples,
 * probabilities, saving) and, every few seconds, samples and evaluates on its own.
 */
import {
  type Backend, CharTokenizer, createReferenceBackend, createWasmBackend, LanguageModel, modelFromBytes, modelToBytes,
  splitForTraining, type Tokenizer, type TrainerCheckpoint, type TrainingTask, trainWithOptimization,
} from '../../src/index.js';
import type { FailureSite, ModelInfo, Request, SamplingSettings, TextSource, TrainingSettings, WorkerEvent } from './protocol.js';
import { topTokens } from './top-tokens.js';

/** The worker's side of postMessage (typed here: the DOM library types `self` as a window). */
const scope = self as unknown as {
  postMessage(event: WorkerEvent, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  crossOriginIsolated: boolean;
};

/** Seconds of training between two samples, and between two held-out evaluations. */
const SAMPLE_EVERY_MS = 3000;
const EVALUATE_EVERY_MS = 10_000;
/** Held-out tokens an evaluation reads (the start of the held-out part). */
const EVALUATION_TOKENS = 16_384;
/** Bars of the next-token chart. */
const TOP_TOKENS = 12;
/** A budget no page session reaches: training runs until paused. */
const UNTIL_PAUSED = { steps: Number.MAX_SAFE_INTEGER };

/** The training of the current model on one text. */
interface Session {
  task: TrainingTask;
  settings: TrainingSettings;
  validation: Int32Array;
  /** Where a paused run continues. */
  checkpoint: TrainerCheckpoint | undefined;
  /** Steps done. */
  step: number;
  /** Milliseconds spent in training steps, and in all (steps, samples, evaluations), over every run. */
  activeMs: number;
  wallMs: number;
}

let backend!: Backend;
let model: LanguageModel | undefined;
let session: Session | undefined;
let running: { controller: AbortController; done: Promise<void> } | undefined;
let sampling: SamplingSettings | undefined;
/** Work for the model that waits for the gap between two training steps. */
let pending: (() => Promise<void> | void)[] = [];

const post = (event: WorkerEvent, transfer: Transferable[] = []): void => scope.postMessage(event, transfer);
const fail = (site: FailureSite, error: unknown): void =>
  post({ type: 'error', site, message: error instanceof Error ? error.message : String(error) });

/** A fresh backend; the old one, and every buffer of the model on it, is released. */
async function renewBackend(): Promise<void> {
  (backend as Backend | undefined)?.dispose();
  // Plain SIMD (no fused multiply-add), as Node runs it: a model gives the page the same numbers as the CLI.
  backend = await createWasmBackend({ relaxedSimd: false });
}

function setModel(next: LanguageModel | undefined, fileName?: string): void {
  model = next;
  session = undefined;
  const info: ModelInfo | undefined = next === undefined ? undefined : {
    type: 'language-model', settings: next.settings, tokenizer: next.tokenizer.kind, vocabSize: next.tokenizer.vocabSize, fileName,
  };
  post({ type: 'model', info });
}

/** Runs `work` on the model now, or between two steps while training. */
function withModel(work: () => Promise<void> | void): void {
  if (running !== undefined) pending.push(work);
  else void work();
}

async function sampleNow(): Promise<void> {
  if (model === undefined || sampling === undefined) return;
  const s = sampling;
  try {
    const options = { temperature: s.temperature, topP: s.topP };
    const text = await model.generate({ ...options, prime: s.prime, length: s.length, seed: s.seed });
    post({ type: 'sample', sampling: s, text: s.prime + text, step: session?.step ?? 0 });
    post({ type: 'probabilities', prime: s.prime, tokens: topTokens(model, model.nextTokenProbabilities(s.prime, options), TOP_TOKENS) });
  } catch (error) {
    fail('sample', error);
  }
}

function evaluateNow(): void {
  if (model === undefined || session === undefined || session.validation.length < 2) return;
  const { batch, seqLen } = session.settings.training;
  const held = session.validation.subarray(0, EVALUATION_TOKENS + 1);
  const { bitsPerChar, tokens } = model.evaluate(held, { batch, steps: seqLen });
  post({ type: 'evaluation', step: session.step, bitsPerChar, tokens });
}

/**
 * The training session on `source` (and the model, when there is none), made on first use;
 * undefined (and a message for the page) when the text or the settings cannot train.
 */
async function prepare(source: TextSource, settings: TrainingSettings): Promise<Session | undefined> {
  if (session !== undefined) return session;
  const training = settings.training;
  const tokenizer = model?.tokenizer ?? CharTokenizer.fromText(source.text);
  let split;
  try {
    // The text is checked before a model exists: one that cannot train leaves the page as it was.
    split = splitForTraining(tokenizer.encode(source.text), training, source.name);
    model ??= await createModel(tokenizer, settings);
  } catch (error) {
    fail(split === undefined ? 'data' : 'train', error);
    return undefined;
  }
  session = {
    task: model.train().trainingTask(split.train, training.batch, training.seqLen),
    settings: { model: model.settings, training }, validation: split.validation,
    checkpoint: undefined, step: 0, activeMs: 0, wallMs: 0,
  };
  evaluateNow();
  return session;
}

async function createModel(tokenizer: Tokenizer, settings: TrainingSettings): Promise<LanguageModel> {
  const created = await LanguageModel.create({ tokenizer, ...settings.model, seed: settings.training.seed, backend });
  setModel(created);
  return created;
}

async function train(source: TextSource, settings: TrainingSettings): Promise<void> {
  if (running !== undefined) return;
  const s = await prepare(source, settings);
  if (s === undefined) return;
  const controller = new AbortController();
  const done = runTraining(s, controller.signal)
    .catch((error: unknown) => fail('train', error))
    .finally(() => {
      running = undefined;
      post({ type: 'state', training: false });
      // Requests that arrived with the last step.
      const rest = pending;
      pending = [];
      for (const work of rest) void work();
    });
  running = { controller, done };
  post({ type: 'state', training: true });
}

/** Trains until paused: the shared training loop, with the page's requests served between steps. */
async function runTraining(s: Session, signal: AbortSignal): Promise<void> {
  const inner = s.task;
  const { batch, seqLen } = s.settings.training;
  const start = performance.now();
  let lastSample = start;
  let lastEvaluation = start;
  /** Milliseconds of this run spent outside training steps: serving the page, sampling, evaluating. */
  let asideMs = 0;
  const task: TrainingTask = {
    ...inner,
    trainBatch: async (index) => {
      const before = performance.now();
      await nextTask();
      const now = performance.now();
      const sample = now - lastSample >= SAMPLE_EVERY_MS;
      const evaluate = now - lastEvaluation >= EVALUATE_EVERY_MS;
      if (pending.length > 0 || sample || evaluate) {
        const state = inner.saveState();
        for (const work of pending.splice(0)) await work();
        if (sample) {
          lastSample = now;
          await sampleNow();
        }
        if (evaluate) {
          lastEvaluation = now;
          evaluateNow();
        }
        inner.loadState(state);
      }
      asideMs += performance.now() - before;
      return inner.trainBatch(index);
    },
  };
  const seconds = (): { active: number; wall: number } => {
    const wall = performance.now() - start;
    return { active: (s.activeMs + wall - asideMs) / 1000, wall: (s.wallMs + wall) / 1000 };
  };
  try {
    await trainWithOptimization(task, model!.parameters(), s.settings.training, UNTIL_PAUSED, backend, {
      signal,
      ...(s.checkpoint ? { resume: s.checkpoint } : {}),
      onCheckpoint: (c) => {
        s.checkpoint = c;
      },
      onProgress: (p) => {
        s.step = p.step;
        const { active, wall } = seconds();
        post({
          type: 'progress', step: p.step, epoch: p.epoch, loss: p.loss, smoothedLoss: p.smoothedLoss,
          tokensPerSecond: (p.step * batch * seqLen) / active, stepsPerSecond: p.step / active, elapsedSeconds: wall,
        });
      },
    });
  } finally {
    const { active, wall } = seconds();
    s.activeMs = active * 1000;
    s.wallMs = wall * 1000;
  }
  evaluateNow();
  await sampleNow();
}

/** Resolves after the events waiting in the worker's queue (the page's messages) have run. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

async function stop(): Promise<void> {
  const run = running;
  if (run === undefined) return;
  run.controller.abort();
  await run.done;
}

async function open(name: string, bytes: Uint8Array): Promise<void> {
  try {
    // Checked on a throwaway backend first: a bad file leaves the current model as it was.
    await modelFromBytes(bytes, { type: 'language-model', backend: createReferenceBackend() });
  } catch (error) {
    fail('model-file', new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`));
    return;
  }
  await stop();
  await renewBackend();
  setModel(await modelFromBytes(bytes, { type: 'language-model', backend }), name);
  await sampleNow();
}

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case 'train':
      return train(request.source, request.settings);
    case 'pause':
      running?.controller.abort();
      return;
    case 'reset':
      await stop();
      await renewBackend();
      setModel(undefined);
      return;
    case 'sample':
      sampling = request.sampling;
      withModel(sampleNow);
      return;
    case 'save':
      withModel(() => {
        if (model === undefined) return fail('save', new Error('there is no model to save yet: train one or open a model file'));
        const bytes = modelToBytes(model);
        post({ type: 'saved', bytes }, [bytes.buffer]);
      });
      return;
    case 'open':
      return open(request.name, request.bytes);
  }
}

/**
 * Requests run one after another in the order they came (a second click on Start while the
 * first builds the model finds it built), once the backend exists.
 */
let queue = renewBackend().then(
  () => post({ type: 'ready', threads: backend.threads, backend: backend.description, isolated: scope.crossOriginIsolated }),
  (error: unknown) => fail('worker', error),
);

scope.onmessage = (event) => {
  queue = queue.then(() => handle(event.data)).catch((error: unknown) => fail('worker', error));
};
