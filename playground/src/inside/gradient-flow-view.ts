/**
 * Gradient flow: ‖∂L/∂h‖ against the number of steps back from the loss, on a log scale,
 * for the layers of the current model or for the models of a comparison, with how far back
 * each keeps a millionth of its size at the loss.
 */
import uPlot from 'uplot';
import { byId } from '../dom.js';
import { type Message, msg, onLocaleChange, show, text, unbind } from '../i18n/index.js';
import type { ComparedModel, CurveName, GradientCurve, WorkerEvent } from '../protocol.js';

const HEIGHT = 280;
const COLORS = ['#2f5bd3', '#e0603a', '#2a9d67', '#8a5cd1', '#c7972b', '#d1497a'];
/** A gradient counts as vanished below this fraction of its size at the loss. */
export const VANISHED = 1e-6;

/** Steps back at which `norms` first falls below {@link VANISHED} × its size at the loss; undefined if it never does. */
export function vanishingDistance(norms: readonly number[]): number | undefined {
  const start = norms[0];
  const d = norms.findIndex((v) => v < VANISHED * start);
  return d < 0 ? undefined : d;
}

/** Exponents of the powers of ten from below `min` to above `max`, at most about seven of them. */
function decades(min: number, max: number): number[] {
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  const step = Math.max(1, Math.ceil((high - low) / 7));
  const out: number[] = [];
  for (let e = high; e >= low; e -= step) out.unshift(e);
  return out;
}

const COMPARED: Record<ComparedModel, Message> = {
  rnn: msg('compare.rnn'),
  rnnNoClipping: msg('compare.rnnNoClipping'),
  lstm: msg('compare.lstm'),
  gru: msg('compare.gru'),
};

/** A curve's label: h or c (of layer l), or a compared model with its training steps. */
function curveLabel(name: CurveName): string {
  if ('model' in name) return text(msg('flow.comparedCurve', { model: COMPARED[name.model], steps: name.steps }));
  return name.layer === undefined ? name.series : text(msg('flow.layerCurve', { layer: name.layer, series: name.series }));
}

export class GradientFlowView {
  private readonly container = byId('gradient-flow');
  private readonly summary = byId('flow-summary');
  private plot: uPlot | undefined;
  /** The curves shown, to draw them again after a switch of language. */
  private shown: { curves: readonly GradientCurve[]; comparison: boolean } | undefined;

  constructor() {
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT })).observe(this.container);
    onLocaleChange(() => {
      if (this.shown !== undefined) this.show(this.shown.curves, this.shown.comparison);
    });
  }

  /** Says how far the comparison has come (until its curves arrive). */
  showProgress(e: Extract<WorkerEvent, { type: 'compare-progress' }>): void {
    show(this.summary, msg('compare.progress', { model: COMPARED[e.model], index: e.index, count: e.count, seconds: e.seconds }));
  }

  /** Shows a failure of the comparison where its curves go. */
  showError(message: Message): void {
    show(this.summary, message);
  }

  /** Draws `curves`; `comparison` says they are the compared models' (else the current model's layers). */
  show(curves: readonly GradientCurve[], comparison: boolean): void {
    this.shown = { curves, comparison };
    this.plot?.destroy();
    const length = Math.max(...curves.map((c) => c.norms.length));
    const x = Array.from({ length }, (_, d) => d);
    let exponents: number[] = [];
    const data = [x, ...curves.map((c) => x.map((d) => (c.norms[d] !== undefined && c.norms[d] > 0 ? c.norms[d] : null)))];
    this.plot = new uPlot(
      {
        width: this.width(),
        height: HEIGHT,
        scales: { x: { time: false }, y: { distr: 3, log: 10 } },
        axes: [
          { label: text('flow.axisSteps'), stroke: '#5b6172', grid: { stroke: '#eceef3' } },
          {
            label: text('flow.axisNorm'),
            stroke: '#5b6172',
            grid: { stroke: '#eceef3' },
            size: 64,
            // uPlot rounds the split values it passes on (tiny ones to 0), so the labels come from the exponents kept here.
            splits: (_u, _axis, min, max) => {
              exponents = decades(min, max);
              return exponents.map((e) => 10 ** e);
            },
            values: (_u, splits) => splits.map((_v, i) => `1e${exponents[i]}`.replace('-', '−')),
          },
        ],
        series: [
          { label: text('flow.stepsBack') },
          ...curves.map((c, i) => ({
            label: curveLabel(c.name),
            stroke: COLORS[i % COLORS.length],
            width: 2,
            ...('model' in c.name && c.name.model === 'rnnNoClipping' ? { dash: [6, 4] } : {}),
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : v.toExponential(2)),
          })),
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { live: false },
      },
      data as uPlot.AlignedData,
      this.container,
    );
    unbind(this.summary);
    this.summary.replaceChildren(
      ...curves
        .filter((c) => c.norms[0] > 0)
        .map((c) => {
          const d = vanishingDistance(c.norms);
          const label = curveLabel(c.name);
          const line = document.createElement('span');
          line.dataset.label = label;
          line.dataset.vanishes = d === undefined ? '' : String(d);
          line.textContent = text(
            d === undefined ? msg('flow.stillAbove', { label, steps: c.norms.length - 1 }) : msg('flow.vanishes', { label, steps: d }),
          );
          return line;
        }),
    );
    this.container.dataset.kind = comparison ? 'comparison' : 'model';
  }

  clear(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.shown = undefined;
    unbind(this.summary);
    this.summary.replaceChildren();
  }

  private width(): number {
    return Math.max(280, this.container.clientWidth);
  }
}
