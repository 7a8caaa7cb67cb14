/**
 * States over text: the probe text coloured character by character by one unit's value
 * (its hidden or cell state, or a gate), an overview of every unit over the text, a unit
 * picker ordered by how much units vary, and a search that ranks units by how well they
 * follow a pattern of the text.
 */
import { byId, setMessage } from '../dom.js';
import { tokenName } from '../format.js';
import { data, formatDecimal, type MessageKey, msg, onLocaleChange, showAttribute, text } from '../i18n/index.js';
import type { ProbeTrace, StateSeries } from '../protocol.js';
import { colorScale, rgbScale } from './colors.js';
import { seriesLabel } from './notation.js';
import { patternIndicator, rankUnitsByCorrelation, unitsByVariation } from './unit-search.js';

/** A pattern a user can try with one click. */
interface Preset {
  label: MessageKey;
  pattern: string;
}

/** Patterns for texts in general. */
const TEXT_PRESETS: readonly Preset[] = [
  { label: 'preset.insideQuotes', pattern: '[“"][^”"]*[”"]' },
  { label: 'preset.wordEnds', pattern: '\\p{L}(?!\\p{L})' },
  { label: 'preset.afterLineBreak', pattern: '(?<=\\n).' },
  { label: 'preset.vowels', pattern: '[aeiouAEIOU]' },
  { label: 'preset.insideParentheses', pattern: '\\([^)]*\\)' },
];

/** Patterns for poems one per line: where a line begins and ends, the second couplet (after the first 。), the marks. */
const POEM_PRESETS: readonly Preset[] = [
  { label: 'preset.lineStarts', pattern: '(?<=^|[\\n，。？！；])\\p{Script=Han}' },
  { label: 'preset.lineEnds', pattern: '\\p{Script=Han}(?=[，。？！；])' },
  { label: 'preset.secondCouplet', pattern: '(?<=。)[^。\\n]+。' },
  { label: 'preset.marks', pattern: '[，。？！；]' },
];

/** Units the overview draws at most (the most varying ones). */
const OVERVIEW_UNITS = 96;
const OVERVIEW_ROW = 3;

/** What the view shows: which layer, quantity, unit and step. */
export interface Selection {
  layer: number;
  key: string;
  unit: number;
  step: number;
}

export class StatesView {
  private readonly layerSelect = byId('state-layer', HTMLSelectElement);
  private readonly seriesSelect = byId('state-series', HTMLSelectElement);
  private readonly unitSelect = byId('state-unit', HTMLSelectElement);
  private readonly heatmap = byId('heatmap');
  private readonly overview = byId('overview', HTMLCanvasElement);
  private readonly patternInput = byId('unit-pattern', HTMLInputElement);
  private readonly results = byId('search-results');
  private readonly searchError = byId('search-error');
  private trace: ProbeTrace | undefined;
  private selection: Selection = { layer: 0, key: 'h', unit: 0, step: -1 };
  /** Units of the current series, most varying first. */
  private order: number[] = [];
  /** The one-click patterns shown (for poems, or for texts in general). */
  private presets: readonly Preset[] = TEXT_PRESETS;

  /** `onSelect` hears of every change of selection (the cell-step view follows it). */
  constructor(private readonly onSelect: (selection: Selection) => void) {
    this.layerSelect.addEventListener('change', () => this.select({ layer: Number(this.layerSelect.value) }));
    this.seriesSelect.addEventListener('change', () => this.select({ key: this.seriesSelect.value }));
    this.unitSelect.addEventListener('change', () => this.select({ unit: Number(this.unitSelect.value) }));
    this.patternInput.addEventListener('change', () => this.search());
    this.setPresets(TEXT_PRESETS);
    this.heatmap.addEventListener('mouseover', (event) => {
      const span = event.target as HTMLElement;
      if (span.dataset.step !== undefined && this.trace !== undefined && !span.hasAttribute('title'))
        span.title = this.characterTitle(Number(span.dataset.step));
    });
    this.heatmap.addEventListener('click', (event) => {
      const step = (event.target as HTMLElement).dataset.step;
      if (step !== undefined) this.select({ step: Number(step) });
    });
    this.overview.addEventListener('click', (event) => this.pickFromOverview(event));
    onLocaleChange(() => {
      this.setPresets(this.presets);
      if (this.trace !== undefined) {
        this.labelOptions();
        this.refresh(true);
      }
    });
  }

  /** Offers the patterns for poems, or for texts in general. */
  setPoems(poems: boolean): void {
    const presets = poems ? POEM_PRESETS : TEXT_PRESETS;
    if (presets !== this.presets) this.setPresets(presets);
    showAttribute(this.patternInput, 'placeholder', poems ? 'search.poemPlaceholder' : 'search.placeholder');
  }

  private setPresets(presets: readonly Preset[]): void {
    this.presets = presets;
    byId('pattern-presets').replaceChildren(
      ...presets.map(({ label, pattern }) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'chip';
        button.dataset.pattern = pattern;
        button.textContent = text(label);
        button.addEventListener('click', () => {
          this.patternInput.value = pattern;
          this.search();
        });
        return button;
      }),
    );
  }

  /** The names of the layers and quantities in the pickers. */
  private labelOptions(): void {
    const trace = this.trace!;
    this.layerSelect.replaceChildren(
      ...trace.layers.map((_, l) => new Option(text(msg('states.layerOption', { layer: l + 1 })), String(l))),
    );
    this.seriesSelect.replaceChildren(...trace.layers[0].map((s) => new Option(seriesLabel(s.key), s.key)));
    this.layerSelect.value = String(this.selection.layer);
    this.seriesSelect.value = this.selection.key;
  }

  /** Shows a new trace (the model or the probe text changed), keeping the selection where it still applies. */
  show(trace: ProbeTrace): void {
    const first =
      this.trace === undefined ||
      this.trace.cell !== trace.cell ||
      this.trace.hiddenSize !== trace.hiddenSize ||
      this.trace.layers.length !== trace.layers.length;
    this.trace = trace;
    if (first) {
      this.selection = { layer: trace.layers.length - 1, key: 'h', unit: -1, step: -1 };
      this.labelOptions();
    }
    if (this.selection.step >= trace.tokens.length) this.selection.step = trace.tokens.length - 1;
    this.refresh(first);
  }

  /** Forgets the trace (no language model). */
  clear(): void {
    this.trace = undefined;
    this.heatmap.replaceChildren();
    this.results.replaceChildren();
    const context = this.overview.getContext('2d');
    context?.clearRect(0, 0, this.overview.width, this.overview.height);
  }

  private series(): StateSeries {
    const layer = this.trace!.layers[this.selection.layer];
    return layer.find((s) => s.key === this.selection.key) ?? layer[0];
  }

  private select(change: Partial<Selection>): void {
    if (this.trace === undefined) return;
    const seriesChanged = change.layer !== undefined || change.key !== undefined;
    Object.assign(this.selection, change);
    this.refresh(seriesChanged);
  }

  /** Redraws; `reorder` recomputes the unit order (a new series or trace). */
  private refresh(reorder: boolean): void {
    const trace = this.trace!;
    const series = this.series();
    const H = series.units;
    const T = trace.tokens.length;
    if (reorder || this.order.length !== H) {
      const ranked = unitsByVariation(series.values, H, T);
      this.order = ranked.map((u) => u.unit);
      this.unitSelect.replaceChildren(
        ...ranked.map(
          (u, rank) =>
            new Option(
              text(msg('states.unitOption', { first: rank === 0, unit: u.unit, spread: formatDecimal(u.deviation, 3) })),
              String(u.unit),
            ),
        ),
      );
      // A projected LSTM's h has fewer units than its c and gates.
      if (this.selection.unit < 0 || this.selection.unit >= H) this.selection.unit = this.order[0];
    }
    this.unitSelect.value = String(this.selection.unit);
    this.drawText(series);
    this.drawOverview(series);
    if (this.patternInput.value.trim() !== '') this.search(false);
    this.onSelect({ ...this.selection });
  }

  private drawText(series: StateSeries): void {
    const { tokens } = this.trace!;
    const H = series.units;
    const { unit, step } = this.selection;
    const values = Array.from(tokens, (_, t) => series.values[t * H + unit]);
    const color = colorScale(values, series.bounded);
    let spans = this.heatmap.querySelectorAll<HTMLSpanElement>('span');
    if (spans.length !== tokens.length || tokens.some((token, t) => spans[t].dataset.token !== token)) {
      this.heatmap.replaceChildren(
        ...tokens.flatMap((token, t) => {
          const span = document.createElement('span');
          span.dataset.step = String(t);
          span.dataset.token = token;
          span.textContent = token === '\n' ? '↵' : token;
          return token === '\n' ? [span, document.createElement('br')] : [span];
        }),
      );
      spans = this.heatmap.querySelectorAll<HTMLSpanElement>('span');
    }
    spans.forEach((span, t) => {
      span.style.backgroundColor = color(values[t]);
      span.removeAttribute('title');
      span.className = t === step ? 'picked' : '';
    });
  }

  /**
   * The tooltip of the character at `step`: its step, the quantity and unit shown, and the value
   * (written when pointed at, not for every character).
   */
  private characterTitle(step: number): string {
    const trace = this.trace!;
    const token = trace.tokens[step];
    const series = this.series();
    const value = series.values[step * series.units + this.selection.unit];
    return text(
      msg('states.characterTitle', {
        token: tokenName(token),
        step: step + 1,
        series: seriesLabel(this.selection.key),
        unit: this.selection.unit,
        value: formatDecimal(value, 3),
      }),
    );
  }

  private drawOverview(series: StateSeries): void {
    const { tokens } = this.trace!;
    const H = series.units;
    const T = tokens.length;
    const units = this.order.slice(0, OVERVIEW_UNITS);
    const canvas = this.overview;
    const width = Math.max(200, canvas.clientWidth || canvas.parentElement?.clientWidth || 600);
    canvas.width = width;
    canvas.height = units.length * OVERVIEW_ROW;
    const context = canvas.getContext('2d');
    if (context === null) return;
    // One pixel per unit and step, then scaled up to the canvas without smoothing.
    const color = rgbScale(series.values, series.bounded);
    const pixels = new ImageData(T, units.length);
    units.forEach((unit, row) => {
      for (let t = 0; t < T; t++) {
        const [r, g, b] = color(series.values[t * H + unit]);
        pixels.data.set([r, g, b, 255], (row * T + t) * 4);
      }
    });
    const small = new OffscreenCanvas(T, units.length);
    small.getContext('2d')!.putImageData(pixels, 0, 0);
    context.imageSmoothingEnabled = false;
    context.drawImage(small, 0, 0, width, canvas.height);
    const column = width / T;
    const selectedRow = units.indexOf(this.selection.unit);
    context.strokeStyle = '#1c2230';
    context.lineWidth = 1;
    if (selectedRow >= 0) context.strokeRect(0.5, selectedRow * OVERVIEW_ROW - 0.5, width - 1, OVERVIEW_ROW + 1);
    if (this.selection.step >= 0)
      context.strokeRect(Math.floor(this.selection.step * column) + 0.5, 0, Math.max(1, Math.ceil(column) - 1), canvas.height);
  }

  private pickFromOverview(event: MouseEvent): void {
    if (this.trace === undefined) return;
    const box = this.overview.getBoundingClientRect();
    const row = Math.floor((((event.clientY - box.top) / box.height) * this.overview.height) / OVERVIEW_ROW);
    const step = Math.floor(((event.clientX - box.left) / box.width) * this.trace.tokens.length);
    const unit = this.order[row];
    if (unit !== undefined) this.select({ unit, step });
  }

  /** Ranks the units of the shown series by correlation with the pattern; `pick` selects the best one. */
  private search(pick = true): void {
    if (this.trace === undefined) return;
    const pattern = this.patternInput.value;
    let indicator: Float64Array;
    try {
      indicator = patternIndicator(this.trace.tokens, pattern);
    } catch (error) {
      setMessage(this.searchError, msg('search.notRegex', { detail: data((error as Error).message) }));
      this.results.replaceChildren();
      return;
    }
    setMessage(this.searchError, undefined);
    const covered = indicator.reduce((a, b) => a + b, 0);
    if (covered === 0 || covered === indicator.length) {
      this.results.textContent = text(covered === 0 ? 'search.nothing' : 'search.everything');
      return;
    }
    const series = this.series();
    const ranked = rankUnitsByCorrelation(series.values, series.units, indicator);
    const magnitudes = ranked.map((r) => Math.abs(r.correlation)).sort((a, b) => a - b);
    const median = magnitudes[Math.floor(magnitudes.length / 2)];
    const best = ranked.slice(0, 5).map(({ unit, correlation }) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `chip${unit === this.selection.unit ? ' active' : ''}`;
      button.dataset.unit = String(unit);
      button.dataset.correlation = correlation.toFixed(4);
      const r = `${correlation >= 0 ? '+' : '−'}${formatDecimal(Math.abs(correlation), 2)}`;
      button.textContent = text(msg('search.result', { unit, r }));
      button.addEventListener('click', () => this.select({ unit }));
      return button;
    });
    const typical = document.createElement('span');
    typical.className = 'typical';
    typical.dataset.median = median.toFixed(4);
    typical.textContent = text(msg('search.typical', { r: formatDecimal(median, 2) }));
    this.results.replaceChildren(...best, typical);
    if (pick && ranked[0].unit !== this.selection.unit) this.select({ unit: ranked[0].unit });
  }
}
