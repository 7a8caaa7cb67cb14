/**
 * Jordan network (seeds 003, 004): the previous *output*, not the hidden state, feeds
 * the hidden layer.
 *
 *   a_t = W_ih x_t + W_yh ŷ_{t−1} + b_h,   h_t = act(a_t)           (act = tanh or relu)
 *   o_t = W_hy h_t + b_y,                  ŷ_t = outAct(o_t)        (identity, softmax, sigmoid, tanh)
 *
 * With teacher forcing (training), the previous *target* y_{t−1} is fed instead of ŷ_{t−1};
 * nothing then depends on an earlier step, so all steps run as one batched computation
 * (three GEMMs forward, as many backward). Without it, the network feeds back its own
 * outputs step by step, and backpropagation runs through that feedback.
 *
 * Legend: T steps, B batch, D inputSize, H hiddenSize, O outputSize. Time-major inside.
 * Parameters: weight_ih [H, D], weight_yh [H, O], bias_h [H], weight_hy [O, H], bias_y [O].
 */
import type { Backend, FloatArray, RnnNonlinearity } from '../backend/backend.js';
import { RnnkitError, ShapeError, UsageError } from '../errors.js';
import { assertFinite, assertTensor, formatShape, type Tensor } from '../tensor/tensor.js';
import { Workspace } from '../tensor/workspace.js';
import { Module, type ModuleOptions } from './module.js';
import { type ParameterSet, type ParameterSpec } from './parameters.js';
import { layoutBatch } from './recurrent/batch.js';
import { fromInternal, toInternal } from './recurrent/layout.js';

/** The output nonlinearity whose result is fed back. */
export type JordanOutput = 'identity' | 'softmax' | 'sigmoid' | 'tanh';

/** Sizes and choices of a Jordan network. */
export interface JordanConfig {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  nonlinearity: RnnNonlinearity;
  outputActivation: JordanOutput;
  bias: boolean;
}

/** PyTorch-style parameter list of a Jordan network, initialised U(−1/√fan_in, 1/√fan_in). */
export function jordanParameterSpecs(c: JordanConfig): ParameterSpec[] {
  const hb = 1 / Math.sqrt(c.hiddenSize);
  const specs: ParameterSpec[] = [
    { name: 'weight_ih', shape: [c.hiddenSize, c.inputSize], init: { uniform: hb } },
    { name: 'weight_yh', shape: [c.hiddenSize, c.outputSize], init: { uniform: hb } },
    { name: 'weight_hy', shape: [c.outputSize, c.hiddenSize], init: { uniform: hb } },
  ];
  if (c.bias) {
    specs.push({ name: 'bias_h', shape: [c.hiddenSize], init: { uniform: hb } });
    specs.push({ name: 'bias_y', shape: [c.outputSize], init: { uniform: hb } });
  }
  return specs;
}

/** The buffers of {@link JordanCore}. */
type JordanBuffer = 'x' | 'fed' | 'hidden' | 'scores' | 'predicted' | 'dScores' | 'dHidden' | 'dx' | 'dFed' | 'scratch' | 'y0' | 'targets';

/** The Jordan engine over buffers in a backend (internal layout, time-major). */
export class JordanCore<F extends FloatArray> {
  private T = 0;
  private B = 0;
  /**
   * The buffers of a run of T steps over B rows: x [T·B, D] inputs; fed [(T+1)·B, O] fed-back
   * values, rows of step t at t·B (y0 first; free-running: ŷ_t at (t+1)·B); hidden [T·B, H]
   * a_t, then h_t, in backward da_t; scores [T·B, O] o_t; predicted [T·B, O] ŷ_t under teacher
   * forcing; dScores [T·B, O] dL/do_t, including what flows back through the feedback;
   * dHidden [T·B, H]; dx [T·B, D]; dFed [B, O] the carried dL/dŷ_{t−1}, after backward
   * dL/dy0; scratch [B, O]; y0 [B, O] and targets [T·B, O] as the caller gives them.
   */
  private readonly workspace: Workspace<F, JordanBuffer>;
  private teacher = false;
  private ready = false;

  constructor(
    readonly config: JordanConfig,
    private readonly b: Backend<F>,
    private readonly params: ParameterSet<F>,
  ) {
    params.bind(b);
    const { inputSize: D, hiddenSize: H, outputSize: O } = config;
    this.workspace = new Workspace(
      b,
      {
        floats: {
          x: ({ T, B }) => T * B * D,
          fed: ({ T, B }) => (T + 1) * B * O,
          hidden: ({ T, B }) => T * B * H,
          scores: ({ T, B }) => T * B * O,
          predicted: ({ T, B }) => T * B * O,
          dScores: ({ T, B }) => T * B * O,
          dHidden: ({ T, B }) => T * B * H,
          dx: ({ T, B }) => T * B * D,
          dFed: ({ B }) => B * O,
          scratch: ({ B }) => B * O,
          y0: ({ B }) => B * O,
          targets: ({ T, B }) => T * B * O,
        },
      },
      this,
    );
  }

  private get x(): F {
    return this.workspace.last.x;
  }
  private get fed(): F {
    return this.workspace.last.fed;
  }
  private get hidden(): F {
    return this.workspace.last.hidden;
  }
  private get scores(): F {
    return this.workspace.last.scores;
  }
  private get predicted(): F {
    return this.workspace.last.predicted;
  }
  private get dScores(): F {
    return this.workspace.last.dScores;
  }
  private get dHidden(): F {
    return this.workspace.last.dHidden;
  }
  private get dx(): F {
    return this.workspace.last.dx;
  }
  private get dFed(): F {
    return this.workspace.last.dFed;
  }
  private get scratch(): F {
    return this.workspace.last.scratch;
  }

  /** Where the caller writes y0 [B, O], the fed-back value before the first step. */
  y0Input(): F {
    return this.workspace.last.y0;
  }

  /** Where the caller writes the teacher-forcing targets [T·B, O] (internal layout). */
  targetInput(): F {
    return this.workspace.last.targets;
  }

  /** Allocates buffers for (T, B); afterwards fill {@link input}. */
  prepare(T: number, B: number): void {
    this.workspace.views({ T, B });
    this.T = T;
    this.B = B;
    this.ready = false;
  }

  input(): F {
    return this.rows(this.x, 0, this.T, this.config.inputSize);
  }

  /** Scores o [T·B, O] of the last forward. */
  output(): F {
    return this.rows(this.scores, 0, this.T, this.config.outputSize);
  }

  /** Fed-back predictions ŷ = outAct(o) [T·B, O] of the last forward. */
  prediction(): F {
    return this.teacher
      ? this.rows(this.predicted, 0, this.T, this.config.outputSize)
      : this.rows(this.fed, 1, this.T, this.config.outputSize);
  }

  /** The buffer for dL/do [T·B, O]; fill it, then call {@link backward}. */
  outputGrad(): F {
    return this.rows(this.dScores, 0, this.T, this.config.outputSize);
  }

  inputGrad(): F {
    return this.rows(this.dx, 0, this.T, this.config.inputSize);
  }

  /** dL/dy0 [B, O] after backward. */
  y0Grad(): F {
    return this.dFed.subarray(0, this.B * this.config.outputSize) as F;
  }

  /**
   * Runs the network. `y0` [B, O]: the value fed at the first step (zeros when undefined).
   * `targets` [T·B, O]: teacher forcing feeds targets[t−1] at step t; undefined runs free.
   */
  forward(y0: F | undefined, targets: F | undefined): void {
    const { b, T, B } = this;
    const { inputSize: D, hiddenSize: H, outputSize: O, nonlinearity } = this.config;
    const p = this.parameters();
    const fedAll = this.rows(this.fed, 0, T, O);
    const first = this.rows(this.fed, 0, 1, O);
    if (y0 === undefined) b.fill(B * O, 0, first);
    else b.copy(B * O, y0, first);
    const hidden = this.rows(this.hidden, 0, T, H);
    // a = x W_ihᵀ + b_h for all steps.
    b.gemm(false, true, T * B, H, D, 1, this.input(), D, p.wih.value, D, 0, hidden, H);
    if (p.bh !== undefined) b.addBias(T * B, H, p.bh.value, hidden, H);
    this.teacher = targets !== undefined;
    if (targets !== undefined) {
      // Teacher forcing: the fed values are known, so every step runs at once.
      if (T > 1) b.copy((T - 1) * B * O, targets, this.rows(this.fed, 1, T - 1, O));
      b.gemm(false, true, T * B, H, O, 1, fedAll, O, p.wyh.value, O, 1, hidden, H);
      b.activate(nonlinearity, T * B * H, hidden, hidden);
      this.project(0, T);
      this.activateOutput(T * B, this.output(), this.rows(this.predicted, 0, T, O));
    } else {
      for (let t = 0; t < T; t++) {
        const ht = this.rows(this.hidden, t, 1, H);
        b.gemm(false, true, B, H, O, 1, this.rows(this.fed, t, 1, O), O, p.wyh.value, O, 1, ht, H);
        b.activate(nonlinearity, B * H, ht, ht);
        this.project(t, 1);
        this.activateOutput(B, this.rows(this.scores, t, 1, O), this.rows(this.fed, t + 1, 1, O));
      }
    }
    this.ready = true;
  }

  /**
   * Backpropagates from {@link outputGrad} (and, free-running, through the feedback),
   * accumulating parameter gradients.
   * @throws RnnkitError without a forward since the last backward.
   */
  backward(): void {
    if (!this.ready) throw new RnnkitError('Jordan.backward: run forward() first (once per backward)');
    this.ready = false;
    const { b, T, B } = this;
    const { inputSize: D, hiddenSize: H, outputSize: O, nonlinearity } = this.config;
    const p = this.parameters();
    const dO = this.outputGrad();
    const hidden = this.rows(this.hidden, 0, T, H);
    const dH = this.rows(this.dHidden, 0, T, H);
    if (this.teacher) {
      b.gemm(false, false, T * B, H, O, 1, dO, O, p.why.value, H, 0, dH, H); // dh = do · W_hy
      b.activateBackward(nonlinearity, T * B * H, hidden, dH, dH); // da = dh ⊙ act′
      b.gemm(false, false, B, O, H, 1, this.rows(this.dHidden, 0, 1, H), H, p.wyh.value, O, 0, this.y0Grad(), O);
    } else {
      b.fill(B * O, 0, this.dFed);
      for (let t = T - 1; t >= 0; t--) {
        const dOt = this.rows(this.dScores, t, 1, O);
        if (t < T - 1) {
          // ŷ_t was fed to step t+1: dL/do_t += outAct′ · dL/dŷ_t.
          this.outputBackward(B, this.rows(this.fed, t + 1, 1, O), this.y0Grad(), this.scratch);
          b.axpy(B * O, 1, this.scratch, dOt);
        }
        const dHt = this.rows(this.dHidden, t, 1, H);
        b.gemm(false, false, B, H, O, 1, dOt, O, p.why.value, H, 0, dHt, H);
        b.activateBackward(nonlinearity, B * H, this.rows(this.hidden, t, 1, H), dHt, dHt);
        b.gemm(false, false, B, O, H, 1, dHt, H, p.wyh.value, O, 0, this.y0Grad(), O); // dL/dŷ_{t−1}
      }
    }
    // Parameter gradients and dx over all steps at once (dH now holds da).
    b.gemm(true, false, O, H, T * B, 1, dO, O, hidden, H, 1, p.why.grad, H);
    if (p.by !== undefined) b.columnSums(T * B, O, dO, O, 1, p.by.grad);
    b.gemm(true, false, H, D, T * B, 1, dH, H, this.input(), D, 1, p.wih.grad, D);
    b.gemm(true, false, H, O, T * B, 1, dH, H, this.rows(this.fed, 0, T, O), O, 1, p.wyh.grad, O);
    if (p.bh !== undefined) b.columnSums(T * B, H, dH, H, 1, p.bh.grad);
    b.gemm(false, false, T * B, D, H, 1, dH, H, p.wih.value, D, 0, this.inputGrad(), D);
  }

  // o = h W_hyᵀ + b_y for `count` steps from step t.
  private project(t: number, count: number): void {
    const { hiddenSize: H, outputSize: O } = this.config;
    const p = this.parameters();
    const o = this.rows(this.scores, t, count, O);
    this.b.gemm(false, true, count * this.B, O, H, 1, this.rows(this.hidden, t, count, H), H, p.why.value, H, 0, o, O);
    if (p.by !== undefined) this.b.addBias(count * this.B, O, p.by.value, o, O);
  }

  private activateOutput(rows: number, o: F, y: F): void {
    const { outputSize: O, outputActivation: kind } = this.config;
    if (kind === 'identity') this.b.copy(rows * O, o, y);
    else if (kind === 'softmax') this.b.softmax(rows, O, o, y);
    else this.b.activate(kind, rows * O, o, y);
  }

  // dL/do = outAct′ applied to dL/dŷ, through the output ŷ.
  private outputBackward(rows: number, y: F, dy: F, dx: F): void {
    const { outputSize: O, outputActivation: kind } = this.config;
    if (kind === 'identity') this.b.copy(rows * O, dy, dx);
    else if (kind === 'softmax') this.b.softmaxBackward(rows, O, y, dy, dx);
    else this.b.activateBackward(kind, rows * O, y, dy, dx);
  }

  private parameters(): { wih: P<F>; wyh: P<F>; why: P<F>; bh: P<F> | undefined; by: P<F> | undefined } {
    const get = (n: string): P<F> => this.params.get(n);
    const bias = this.config.bias;
    return {
      wih: get('weight_ih'),
      wyh: get('weight_yh'),
      why: get('weight_hy'),
      bh: bias ? get('bias_h') : undefined,
      by: bias ? get('bias_y') : undefined,
    };
  }

  // Rows of steps [t, t + count) of a [·, B, width] buffer.
  private rows(buffer: F, t: number, count: number, width: number): F {
    return buffer.subarray(t * this.B * width, (t + count) * this.B * width) as F;
  }
}

type P<F extends FloatArray> = ReturnType<ParameterSet<F>['get']>;

/** Options of {@link Jordan}. */
export interface JordanOptions extends ModuleOptions {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /** Hidden nonlinearity. @default 'tanh' */
  nonlinearity?: RnnNonlinearity;
  /** What turns scores into the fed-back output. @default 'identity' */
  outputActivation?: JordanOutput;
  /** @default true */
  bias?: boolean;
  /** Input and output are [B, T, F]. @default false */
  batchFirst?: boolean;
}

/** Results of {@link Jordan.forward}. */
export interface JordanForwardResult {
  /** Scores o [T, B, O] (logits for softmax outputs). */
  output: Tensor;
  /** ŷ = outAct(o) [T, B, O]: what is (or, under teacher forcing, would be) fed back. */
  prediction: Tensor;
}

/**
 * A Jordan network layer (see the file comment for its equations).
 * @example
 * const jordan = new Jordan({ inputSize: 4, hiddenSize: 16, outputSize: 3, outputActivation: 'softmax' });
 * await jordan.forward(x, { targets: oneHotTargets }); // teacher forcing: all steps batched
 * const { prediction } = await jordan.forward(x);      // inference: feeds back its own outputs
 */
export class Jordan extends Module {
  readonly config: JordanConfig;
  readonly batchFirst: boolean;
  private core: JordanCore<Float32Array> | undefined;
  private last: { T: number; B: number; shape: number[] } | undefined;

  constructor(options: JordanOptions) {
    const config = resolveJordan(options);
    super(jordanParameterSpecs(config), options, 'Jordan');
    this.config = config;
    this.batchFirst = options.batchFirst ?? false;
  }

  /**
   * Runs the network on x [T, B, D]. `targets` [T, B, O] turns on teacher forcing;
   * `y0` [B, O] is fed at the first step (default zeros).
   */
  async forward(x: Tensor, options: { y0?: Tensor; targets?: Tensor } = {}): Promise<JordanForwardResult> {
    const b = await this.backendInUse();
    const { inputSize: D, outputSize: O } = this.config;
    assertTensor(x, 'Jordan.forward: x');
    if (x.shape.length !== 3 || x.shape[2] !== D) {
      throw new ShapeError(`Jordan.forward: expected x of shape [${this.batchFirst ? 'B, T' : 'T, B'}, ${D}], got ${formatShape(x.shape)}`);
    }
    assertFinite(x.data, 'Jordan.forward: x');
    const [T, B] = this.batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
    const layout = layoutBatch(T, B, undefined, 'Jordan.forward');
    this.core ??= new JordanCore(this.config, b, this.params);
    const core = this.core;
    core.prepare(T, B);
    toInternal(layout, this.batchFirst, D, x.data, core.input());
    let y0: Float32Array | undefined;
    if (options.y0 !== undefined) {
      checkShape(options.y0, [B, O], 'y0');
      y0 = core.y0Input();
      y0.set(options.y0.data);
    }
    let targets: Float32Array | undefined;
    if (options.targets !== undefined) {
      checkShape(options.targets, this.batchFirst ? [B, T, O] : [T, B, O], 'targets');
      targets = core.targetInput();
      toInternal(layout, this.batchFirst, O, options.targets.data, targets);
    }
    core.forward(y0, targets);
    this.last = { T, B, shape: this.batchFirst ? [B, T, O] : [T, B, O] };
    const read = (src: Float32Array): Tensor => {
      const data = new Float32Array(T * B * O);
      fromInternal(layout, this.batchFirst, O, src, data);
      return { shape: [...this.last!.shape], data };
    };
    return { output: read(core.output()), prediction: read(core.prediction()) };
  }

  /** Backpropagates dL/d output (scores); returns dL/dx and dL/dy0, accumulating parameter gradients. */
  async backward(dOutput: Tensor): Promise<{ x: Tensor; y0: Tensor }> {
    const core = this.core;
    const last = this.last;
    if (core === undefined || last === undefined) throw new RnnkitError('Jordan.backward: run forward() first');
    checkShape(dOutput, last.shape, 'the output gradient');
    const { T, B } = last;
    const layout = layoutBatch(T, B, undefined, 'Jordan.backward');
    toInternal(layout, this.batchFirst, this.config.outputSize, dOutput.data, core.outputGrad());
    core.backward();
    const dx = new Float32Array(T * B * this.config.inputSize);
    fromInternal(layout, this.batchFirst, this.config.inputSize, core.inputGrad(), dx);
    const xShape = this.batchFirst ? [B, T, this.config.inputSize] : [T, B, this.config.inputSize];
    return { x: { shape: xShape, data: dx }, y0: { shape: [B, this.config.outputSize], data: Float32Array.from(core.y0Grad()) } };
  }
}

function resolveJordan(o: JordanOptions): JordanConfig {
  for (const name of ['inputSize', 'hiddenSize', 'outputSize'] as const) {
    if (!Number.isInteger(o[name]) || o[name] < 1) {
      throw new UsageError(`Jordan: ${name} must be a positive integer, got ${String(o[name])}`);
    }
  }
  const nonlinearity = o.nonlinearity ?? 'tanh';
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
    throw new UsageError(`Jordan: nonlinearity must be 'tanh' or 'relu', got '${String(nonlinearity)}'`);
  }
  const outputActivation = o.outputActivation ?? 'identity';
  if (!['identity', 'softmax', 'sigmoid', 'tanh'].includes(outputActivation)) {
    throw new UsageError(`Jordan: outputActivation must be 'identity', 'softmax', 'sigmoid' or 'tanh', got '${String(outputActivation)}'`);
  }
  return {
    inputSize: o.inputSize,
    hiddenSize: o.hiddenSize,
    outputSize: o.outputSize,
    nonlinearity,
    outputActivation,
    bias: o.bias ?? true,
  };
}

function checkShape(t: Tensor, shape: number[], what: string): void {
  assertTensor(t, `Jordan: ${what}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`Jordan: expected ${what} of shape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  }
  assertFinite(t.data, `Jordan: ${what}`);
}
