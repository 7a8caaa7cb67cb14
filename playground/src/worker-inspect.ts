/**
 * The worker's views of the inside of a language model: the trace of the probe text (states
 * and gates), one cell step, the gradient flow over the probe text, and the comparison of
 * small RNN, LSTM and GRU models trained on the same text.
 */
import {
  type Backend,
  CharTokenizer,
  cellStep,
  gradientFlow,
  type GradientFlow,
  LANGUAGE_MODEL_TRAINING_DEFAULTS,
  LanguageModel,
  type LanguageModelTrace,
  splitForTraining,
  traceLanguageModel,
  trainWithOptimization,
} from '../../src/index.js';
import type { ComparedModel, GradientCurve, ProbeTrace, StateSeries, TextSource, WorkerEvent } from './protocol.js';

/** Characters of the probe text the views read (its end when longer). */
const PROBE_CHARACTERS = 1000;
/** Characters before the loss that the gradient flow follows back (the end of the probe text). */
const FLOW_CHARACTERS = 200;

/** The small models of the comparison: the cells of the notes, the plain RNN also without clipping. */
const COMPARED: readonly { model: ComparedModel; cell: 'rnn' | 'lstm' | 'gru'; clip: number }[] = [
  { model: 'rnn', cell: 'rnn', clip: 5 },
  { model: 'rnnNoClipping', cell: 'rnn', clip: 0 },
  { model: 'lstm', cell: 'lstm', clip: 5 },
  { model: 'gru', cell: 'gru', clip: 5 },
];
const COMPARED_SIZE = { hiddenSize: 64, embeddingDim: 32, numLayers: 1 };

/** The end of a text, at most `n` characters (whole code points). */
function tail(text: string, n: number): string {
  const chars = [...text];
  return chars.slice(Math.max(0, chars.length - n)).join('');
}

export class Inspector {
  private probe = '';
  private trace: LanguageModelTrace | undefined;

  constructor(private readonly post: (event: WorkerEvent, transfer?: Transferable[]) => void) {}

  /** Sets the probe text; true when it changed. */
  setProbe(text: string): boolean {
    const probe = tail(text, PROBE_CHARACTERS);
    const changed = probe !== this.probe;
    this.probe = probe;
    return changed;
  }

  /** Forgets the last trace (a new model). */
  forget(): void {
    this.trace = undefined;
  }

  /**
   * Traces the probe text through `model` and posts the states of every layer.
   * @throws ShapeError when the probe text is empty.
   */
  postTrace(model: LanguageModel, step: number): void {
    const trace = traceLanguageModel(model, this.probe);
    this.trace = trace;
    const H = model.settings.hiddenSize;
    const T = trace.tokens.length;
    const layers: StateSeries[][] = trace.layers.map((layer) => [
      { key: 'h', bounded: false, units: layer.hidden.length / T, values: layer.hidden },
      ...(layer.cell ? [{ key: 'c', bounded: false, units: H, values: layer.cell }] : []),
      ...Object.entries(layer.gates).map(([key, values]) => ({
        key,
        bounded: key !== 'a' && key !== 'g' && key !== 'n',
        units: H,
        values,
      })),
    ]);
    const probe: ProbeTrace = { tokens: trace.tokens, cell: model.settings.cell, hiddenSize: model.settings.hiddenSize, layers, step };
    this.post({ type: 'trace', trace: probe });
  }

  /** Posts the equations of one step of the last trace. */
  postCellStep(model: LanguageModel, layer: number, step: number): void {
    if (this.trace === undefined) return;
    this.post({ type: 'cell-step', detail: cellStep(model, this.trace, layer, step) });
  }

  /** Posts the gradient flow of the current model over the end of the probe text, per layer. */
  postGradientFlow(model: LanguageModel): void {
    const flow = gradientFlow(model, tail(this.probe, FLOW_CHARACTERS + 1));
    const many = flow.layers.length > 1;
    const name = (series: 'h' | 'c', layer: number) => (many ? { series, layer: layer + 1 } : { series });
    const curves: GradientCurve[] = flow.layers.flatMap((layer) => [
      { name: name('h', layer.layer), norms: stepsBack(layer.hidden) },
      ...(layer.cell ? [{ name: name('c', layer.layer), norms: stepsBack(layer.cell) }] : []),
    ]);
    this.post({ type: 'gradient-flow', curves, comparison: false });
  }

  /**
   * Trains each compared model on `source` for `seconds` on `backend`, then posts their gradient
   * flows over the probe text (the top layer's ‖∂L/∂h‖), with progress on the way.
   */
  async compare(source: TextSource, seconds: number, backend: Backend): Promise<void> {
    const tokenizer = CharTokenizer.fromText(source.text);
    const training = LANGUAGE_MODEL_TRAINING_DEFAULTS;
    const { train } = splitForTraining(tokenizer.encode(source.text), training, source.name);
    const curves: GradientCurve[] = [];
    for (const [i, compared] of COMPARED.entries()) {
      this.post({ type: 'compare-progress', model: compared.model, index: i + 1, count: COMPARED.length, seconds });
      const model = await LanguageModel.create({
        tokenizer,
        ...COMPARED_SIZE,
        cell: compared.cell,
        dropout: 0,
        seed: training.seed,
        backend,
      });
      const task = model.train().trainingTask(train, training.batch, training.seqLen);
      const result = await trainWithOptimization(task, model.parameters(), { ...training, clip: compared.clip }, { seconds }, backend);
      const flow: GradientFlow = gradientFlow(model.eval(), tail(this.probe, FLOW_CHARACTERS + 1));
      curves.push({ name: { model: compared.model, steps: result.steps }, norms: stepsBack(flow.layers.at(-1)!.hidden) });
    }
    this.post({ type: 'gradient-flow', curves, comparison: true });
  }
}

/** Norms by step (the loss at the last) as norms by steps back from the loss. */
function stepsBack(norms: Float64Array): number[] {
  return Array.from(norms).reverse();
}
