/**
 * The training of the page's language model on one text: the shared training loop of
 * `rnnkit train lm`, run until paused and continued exactly from where it paused, with the
 * page's requests served between two steps and, every few seconds, a sample, a held-out
 * evaluation and a new look inside the network.
 */
import {
  type Backend,
  type LanguageModel,
  splitForTraining,
  type Tokenizer,
  type TrainerCheckpoint,
  type TrainingTask,
  trainWithOptimization,
} from '../../src/index.js';
import type { TextSource, TrainingSettings, WorkerEvent } from './protocol.js';

/** Milliseconds of training between two samples, two looks inside, and two held-out evaluations. */
const SAMPLE_EVERY_MS = 3000;
const INSPECT_EVERY_MS = 5000;
const EVALUATE_EVERY_MS = 10_000;
/** Looks inside that also recompute the gradient flow (the costlier view). */
const FLOW_EVERY = 3;
/** Held-out tokens an evaluation reads (the start of the held-out part). */
const EVALUATION_TOKENS = 16_384;
/** A budget no page session reaches: training runs until paused. */
const UNTIL_PAUSED = { steps: Number.MAX_SAFE_INTEGER };

/** What the session asks of the worker between steps. */
export interface SideWork {
  /** Draws a sample and the next-token probabilities with the page's settings. */
  sample(): Promise<void>;
  /** Looks inside the network; `flow` adds the gradient flow. */
  inspect(flow: boolean): void;
  /** Follows each held-out evaluation (a model that writes poems scores their form). */
  evaluated(): void;
}

export class TrainingSession {
  private readonly task: TrainingTask;
  private checkpoint: TrainerCheckpoint | undefined;
  private run: { controller: AbortController; done: Promise<void> } | undefined;
  /** Work that waits for the gap between two training steps. */
  private pending: (() => Promise<void> | void)[] = [];
  /** Steps done. */
  step = 0;
  /** Milliseconds spent training (sampling and evaluating between steps excluded), and in all, over every run. */
  private activeMs = 0;
  private wallMs = 0;

  /**
   * The training and held-out ids of `source` for `settings`.
   * @throws UsageError when the text is too short for one batch.
   */
  static split(tokenizer: Tokenizer, source: TextSource, settings: TrainingSettings): { train: Int32Array; validation: Int32Array } {
    return splitForTraining(tokenizer.encode(source.text), settings.training, source.name);
  }

  constructor(
    private readonly model: LanguageModel,
    private readonly data: { train: Int32Array; validation: Int32Array },
    private readonly settings: TrainingSettings,
    private readonly backend: Backend,
    private readonly post: (event: WorkerEvent) => void,
    private readonly side: SideWork,
  ) {
    this.task = model.train().trainingTask(data.train, settings.training.batch, settings.training.seqLen);
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  /** Runs `work` between two steps. */
  defer(work: () => Promise<void> | void): void {
    this.pending.push(work);
  }

  /** Posts the bits per character on the start of the held-out part, then lets the side work follow. */
  evaluate(): void {
    if (this.data.validation.length < 2) return;
    const { batch, seqLen } = this.settings.training;
    const held = this.data.validation.subarray(0, EVALUATION_TOKENS + 1);
    const { bitsPerChar, tokens } = this.model.evaluate(held, { batch, steps: seqLen });
    this.post({ type: 'evaluation', step: this.step, bitsPerChar, tokens });
    this.side.evaluated();
  }

  /** Trains until paused; resolves when the run has stopped. */
  start(): Promise<void> {
    if (this.run !== undefined) return this.run.done;
    const controller = new AbortController();
    const done = this.train(controller.signal).finally(() => {
      this.run = undefined;
      this.post({ type: 'state', training: false });
      // Requests that arrived with the last step.
      for (const work of this.pending.splice(0)) void work();
    });
    this.run = { controller, done };
    this.post({ type: 'state', training: true });
    return done;
  }

  /** Stops after the step in progress. */
  pause(): void {
    this.run?.controller.abort();
  }

  /** Stops and waits until the run has ended. */
  async stop(): Promise<void> {
    const run = this.run;
    if (run === undefined) return;
    run.controller.abort();
    await run.done.catch(() => {});
  }

  private async train(signal: AbortSignal): Promise<void> {
    const inner = this.task;
    const { batch, seqLen } = this.settings.training;
    const start = performance.now();
    const last = { sample: start, inspect: start, evaluate: start };
    let looks = 0;
    /** Milliseconds of this run spent outside training steps: serving the page, sampling, evaluating. */
    let asideMs = 0;
    const task: TrainingTask = {
      ...inner,
      trainBatch: async (index) => {
        const before = performance.now();
        await nextTask();
        const now = performance.now();
        const due = (what: keyof typeof last, every: number): boolean => {
          if (now - last[what] < every) return false;
          last[what] = now;
          return true;
        };
        const [sample, inspect, evaluate] = [
          due('sample', SAMPLE_EVERY_MS),
          due('inspect', INSPECT_EVERY_MS),
          due('evaluate', EVALUATE_EVERY_MS),
        ];
        if (this.pending.length > 0 || sample || inspect || evaluate) {
          // Side work re-prepares the engine for other shapes; the carried state goes back after it.
          const state = inner.saveState();
          for (const work of this.pending.splice(0)) await work();
          if (sample) await this.side.sample();
          if (inspect) this.side.inspect(++looks % FLOW_EVERY === 0);
          if (evaluate) this.evaluate();
          inner.loadState(state);
        }
        asideMs += performance.now() - before;
        return inner.trainBatch(index);
      },
    };
    const seconds = (): { active: number; wall: number } => {
      const wall = performance.now() - start;
      return { active: (this.activeMs + wall - asideMs) / 1000, wall: (this.wallMs + wall) / 1000 };
    };
    try {
      await trainWithOptimization(task, this.model.parameters(), this.settings.training, UNTIL_PAUSED, this.backend, {
        signal,
        ...(this.checkpoint ? { resume: this.checkpoint } : {}),
        onCheckpoint: (c) => {
          this.checkpoint = c;
        },
        onProgress: (p) => {
          this.step = p.step;
          const { active, wall } = seconds();
          this.post({
            type: 'progress',
            step: p.step,
            epoch: p.epoch,
            loss: p.loss,
            smoothedLoss: p.smoothedLoss,
            tokensPerSecond: (p.step * batch * seqLen) / active,
            stepsPerSecond: p.step / active,
            elapsedSeconds: wall,
          });
        },
      });
    } finally {
      const { active, wall } = seconds();
      this.activeMs = active * 1000;
      this.wallMs = wall * 1000;
    }
    this.evaluate();
    await this.side.sample();
    this.side.inspect(true);
  }
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
