/**
 * The views of the inside of the network, wired to the page's controls: the probe text, the
 * states over it, one cell step, the gradient flow and its comparison (language models),
 * attention (encoder–decoders) and CTC's lattice (CTC models).
 */
import { byId, errorMessage, setMessage } from '../dom.js';
import { msg } from '../i18n/index.js';
import type { ModelInfo, Request, TextSource, WorkerEvent } from '../protocol.js';
import { AttentionView } from './attention-view.js';
import { CellStepView } from './cell-step-view.js';
import { CtcView } from './ctc-view.js';
import { GradientFlowView } from './gradient-flow-view.js';
import { type Selection, StatesView } from './states-view.js';

/** Seconds each model of the comparison trains. */
const COMPARE_SECONDS = 5;

export class InsideViews {
  private readonly probe = byId('probe', HTMLTextAreaElement);
  private readonly compareButton = byId('compare', HTMLButtonElement);
  private readonly attentionSource = byId('attention-source', HTMLInputElement);
  private readonly states: StatesView;
  private readonly cellStep = new CellStepView();
  private readonly flow = new GradientFlowView();
  private readonly attention = new AttentionView();
  private readonly ctc: CtcView;
  /** The step the cell-step view shows (layer and step), to ask again when the trace changes. */
  private picked: Selection | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  /** The page's own probe text (in English), and the one suggested for the chosen text. */
  private readonly defaultProbe: string;
  private suggestedProbe: string;

  /**
   * @param send posts a request to the worker
   * @param source the text the page trains on (the comparison trains on it too)
   */
  constructor(
    private readonly send: (request: Request, transfer?: Transferable[]) => void,
    private readonly source: () => Promise<TextSource>,
  ) {
    this.defaultProbe = this.probe.value;
    this.suggestedProbe = this.defaultProbe;
    this.states = new StatesView((selection) => this.onSelect(selection));
    this.ctc = new CtcView((frames) => send({ type: 'read-frames', steps: frames.steps, data: frames.data }, [frames.data.buffer]));
    this.probe.addEventListener('input', () => this.sendProbe(300));
    this.compareButton.addEventListener('click', () => void this.compare());
    let attentionTimer: ReturnType<typeof setTimeout> | undefined;
    this.attentionSource.addEventListener('input', () => {
      clearTimeout(attentionTimer);
      attentionTimer = setTimeout(() => this.translate(), 250);
    });
  }

  /**
   * Suggests a probe text that suits the chosen text (undefined: the page's own): it replaces
   * the probe text unless the user has changed that.
   */
  suggestProbe(text: string | undefined): void {
    const next = text ?? this.defaultProbe;
    if (this.probe.value === this.suggestedProbe && next !== this.probe.value) {
      this.probe.value = next;
      this.sendProbe();
    }
    this.suggestedProbe = next;
  }

  /** Offers the unit-search patterns for poems, or for texts in general. */
  setPoems(poems: boolean): void {
    this.states.setPoems(poems);
  }

  /** Sends the probe text (after `delay` ms of no typing). */
  sendProbe(delay = 0): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      if (this.probe.value.length === 0) {
        setMessage(byId('probe-error'), msg('probe.empty'));
        return;
      }
      setMessage(byId('probe-error'), undefined);
      this.send({ type: 'probe', text: this.probe.value });
    }, delay);
  }

  /** A new model (or none): which views apply, and a fresh start for each. */
  setModel(info: ModelInfo | undefined): void {
    document.body.dataset.mode = info?.type ?? 'language-model';
    this.states.clear();
    this.cellStep.clear();
    this.flow.clear();
    this.attention.clear();
    this.picked = undefined;
    this.compareButton.disabled = false;
    if (info?.type === 'ctc-model') this.ctc.setModel(info);
    if (info?.type === 'seq2seq' && this.attentionSource.value.trim() !== '') this.translate();
  }

  /** Handles the worker's events for these views; false for others. */
  handle(e: WorkerEvent): boolean {
    switch (e.type) {
      case 'trace':
        // A new trace: the picked step is asked for again, with the new numbers.
        this.picked = undefined;
        this.states.show(e.trace);
        return true;
      case 'cell-step':
        this.cellStep.show(e.detail, this.picked?.unit ?? 0);
        return true;
      case 'gradient-flow':
        this.flow.show(e.curves, e.comparison);
        if (e.comparison) this.compareButton.disabled = false;
        return true;
      case 'compare-progress':
        this.flow.showProgress(e);
        return true;
      case 'attention':
        setMessage(byId('attention-error'), undefined);
        this.attention.show(e.maps);
        return true;
      case 'ctc':
        this.ctc.show(e.reading);
        return true;
      case 'error':
        if (e.site === 'probe') setMessage(byId('probe-error'), e.message);
        else if (e.site === 'translate') setMessage(byId('attention-error'), e.message);
        else if (e.site === 'read-frames') this.ctc.showError(e.message);
        else if (e.site === 'compare') {
          this.compareButton.disabled = false;
          this.flow.showError(e.message);
        } else return false;
        return true;
      default:
        return false;
    }
  }

  private onSelect(selection: Selection): void {
    const stepChanged =
      selection.step >= 0 && (this.picked === undefined || this.picked.step !== selection.step || this.picked.layer !== selection.layer);
    this.picked = selection;
    if (stepChanged) this.send({ type: 'cell-step', layer: selection.layer, step: selection.step });
    else this.cellStep.showUnit(selection.unit);
  }

  private async compare(): Promise<void> {
    this.compareButton.disabled = true;
    try {
      this.send({ type: 'compare', source: await this.source(), seconds: COMPARE_SECONDS });
    } catch (error) {
      this.compareButton.disabled = false;
      this.flow.showError(errorMessage(error, (detail) => msg('error.compare', { detail })));
    }
  }

  private translate(): void {
    const text = this.attentionSource.value;
    if (text.trim() !== '') this.send({ type: 'translate', text, beamWidth: 4 });
  }
}
