/**
 * The learning curve: training and held-out bits per character over steps, drawn with
 * uPlot on a canvas. Points arrive many times a second; the chart redraws at most once
 * per animation frame.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatCount, formatDecimal, msg, onLocaleChange, text } from './i18n/index.js';

const HEIGHT = 260;
const COLORS = { training: '#2f5bd3', heldOut: '#e0603a' };

export class LearningCurve {
  private readonly steps: number[] = [];
  private readonly training: (number | null)[] = [];
  private readonly heldOut: (number | null)[] = [];
  private plot: uPlot;
  private logScale = false;
  private unit = 'character';
  private redrawQueued = false;

  constructor(private readonly container: HTMLElement) {
    this.plot = this.create();
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: HEIGHT })).observe(container);
    onLocaleChange(() => this.recreate());
  }

  /** The smoothed training loss after `step`, in bits per token. */
  addTraining(step: number, bits: number): void {
    this.at(step);
    this.training[this.training.length - 1] = bits;
    this.redraw();
  }

  /** A held-out measurement after `step` (0: before training). */
  addHeldOut(step: number, bits: number): void {
    const i = this.at(step);
    this.heldOut[i] = bits;
    this.redraw();
  }

  /** Forgets every point (a new model). */
  clear(unit: 'character' | 'word'): void {
    this.steps.length = 0;
    this.training.length = 0;
    this.heldOut.length = 0;
    if (unit !== this.unit) {
      this.unit = unit;
      this.recreate();
    }
    this.redraw();
  }

  /** Switches the y axis between linear and logarithmic (base 2). */
  setLogScale(on: boolean): void {
    this.logScale = on;
    this.recreate();
  }

  /** The index of `step`'s point, appended when it is newer than the last one. */
  private at(step: number): number {
    let i = this.steps.length - 1;
    while (i >= 0 && this.steps[i] > step) i--;
    if (i >= 0 && this.steps[i] === step) return i;
    this.steps.splice(i + 1, 0, step);
    this.training.splice(i + 1, 0, null);
    this.heldOut.splice(i + 1, 0, null);
    return i + 1;
  }

  /** A legend value: the one under the cursor (index `i`), or the series' latest when the cursor is off the chart. */
  private legend(value: number | null, i: number | null, series: readonly (number | null)[], digits = 0): string {
    let v = value;
    for (let j = series.length - 1; i === null && v === null && j >= 0; j--) v = series[j];
    if (v === null) return '–';
    return digits === 0 ? formatCount(v) : formatDecimal(v, digits);
  }

  private redraw(): void {
    if (this.redrawQueued) return;
    this.redrawQueued = true;
    requestAnimationFrame(() => {
      this.redrawQueued = false;
      this.plot.setData([this.steps, this.training, this.heldOut]);
    });
  }

  private recreate(): void {
    this.plot.destroy();
    this.plot = this.create();
  }

  private width(): number {
    return Math.max(280, this.container.clientWidth);
  }

  private create(): uPlot {
    const options: uPlot.Options = {
      width: this.width(),
      height: HEIGHT,
      scales: { x: { time: false }, y: this.logScale ? { distr: 3, log: 2 } : { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] } },
      axes: [
        { label: text('curve.axisSteps'), stroke: '#5b6172', grid: { stroke: '#eceef3' } },
        { label: text(msg('curve.axisBits', { unit: this.unit })), stroke: '#5b6172', grid: { stroke: '#eceef3' }, size: 56 },
      ],
      series: [
        { label: text('curve.step'), value: (_u, v, _s, i) => this.legend(v, i, this.steps) },
        { label: text('curve.training'), stroke: COLORS.training, width: 2, value: (_u, v, _s, i) => this.legend(v, i, this.training, 3) },
        {
          label: text('curve.heldOut'),
          stroke: COLORS.heldOut,
          width: 2,
          spanGaps: true,
          points: { show: true, size: 6, fill: COLORS.heldOut },
          value: (_u, v, _s, i) => this.legend(v, i, this.heldOut, 3),
        },
      ],
      cursor: { drag: { x: false, y: false } },
    };
    return new uPlot(options, [this.steps, this.training, this.heldOut], this.container);
  }
}
