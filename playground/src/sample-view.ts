/**
 * The sample card: a sample of text continuing the prime, or for a model that writes poems
 * a few whole poems (their start or acrostic characters marked) and the form score — how
 * many of the poems sampled for it are regular quatrains.
 */
import { LINE_END_MARKS } from '../../src/index.js';
import { byId } from './dom.js';
import { formatDecimal, formatPercent, type Message, msg, show, showAttribute, unbind } from './i18n/index.js';
import type { SamplingSettings, WorkerEvent } from './protocol.js';

export class SampleView {
  private readonly sample = byId('sample');
  private readonly caption = byId('sample-caption');
  private readonly formLine = byId('form-score-line');
  private readonly formStat = byId('form-score');
  private readonly primeLabel = byId('prime-label');
  private readonly prime = byId('prime', HTMLInputElement);

  constructor() {
    this.setPoems(false);
    this.clear();
  }

  /** Whether the model writes poems: the prime is then the start of each poem, and the form score shows. */
  setPoems(poems: boolean): void {
    document.body.dataset.poems = String(poems);
    show(this.primeLabel, poems ? 'next.poemPrime' : 'next.prime');
    showAttribute(this.prime, 'placeholder', poems ? 'next.poemPrimePlaceholder' : 'next.primePlaceholder');
  }

  /** No sample yet (a new model, or none). */
  clear(): void {
    const placeholder = document.createElement('span');
    placeholder.className = 'placeholder';
    show(placeholder, 'sample.placeholder');
    this.sample.replaceChildren(placeholder);
    this.setLine(this.caption, undefined);
    this.setLine(this.formLine, undefined);
    this.formStat.textContent = '–';
    delete this.formStat.dataset.fraction;
    delete this.formStat.dataset.step;
  }

  /** A sample of text; `fromFile` says the model came from a file (rather than training here). */
  showText(e: Extract<WorkerEvent, { type: 'sample' }>, fromFile: boolean): void {
    const { prime } = e.sampling;
    this.sample.replaceChildren(dataSpan(prime, 'prime'), dataSpan(e.text.slice(prime.length)));
    this.setCaption(e.sampling, e.step, fromFile);
  }

  /** Poems, one per line: the start of each, or the acrostic's characters, marked. */
  showPoems(e: Extract<WorkerEvent, { type: 'poems' }>, fromFile: boolean): void {
    const { prime, acrostic } = e.sampling;
    this.sample.replaceChildren(
      ...e.poems.flatMap((poem, i) => {
        const line = dataSpan('', 'poem');
        line.dataset.poem = poem;
        if (acrostic !== '') line.append(...markLineStarts(poem, acrostic));
        else line.append(dataSpan(poem.slice(0, prime.length), 'prime'), poem.slice(prime.length));
        return i < e.poems.length - 1 ? [line, '\n'] : [line];
      }),
    );
    this.setCaption(e.sampling, e.step, fromFile);
  }

  /** The form score: a percentage in the stats, a sentence under the poems. */
  showFormScore(e: Extract<WorkerEvent, { type: 'form-score' }>): void {
    const fraction = e.regular / e.count;
    this.formStat.textContent = formatPercent(fraction);
    this.formStat.dataset.fraction = String(fraction);
    this.formStat.dataset.step = String(e.step);
    this.setLine(
      this.formLine,
      msg('poem.formScore', {
        regular: e.regular,
        count: e.count,
        percent: formatPercent(fraction),
        temperature: formatDecimal(e.temperature, 1),
        steps: e.step,
      }),
    );
  }

  private setCaption(s: SamplingSettings, step: number, fromFile: boolean): void {
    this.setLine(
      this.caption,
      msg('sample.caption', {
        fromFile,
        steps: step,
        seed: s.seed,
        temperature: formatDecimal(s.temperature, 2),
        topP: formatDecimal(s.topP, 2),
      }),
    );
  }

  private setLine(element: HTMLElement, message: Message | undefined): void {
    if (message !== undefined) {
      show(element, message);
    } else {
      unbind(element);
      element.textContent = '';
    }
  }
}

/** A span of model text (never translated), with a class. */
function dataSpan(content: string, className?: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.translate = false;
  if (className !== undefined) span.className = className;
  span.textContent = content;
  return span;
}

/** A poem with the characters that begin its lines (at its start and after ，。？！；) marked, as far as `acrostic` goes. */
function markLineStarts(poem: string, acrostic: string): (string | Node)[] {
  const out: (string | Node)[] = [];
  const count = [...acrostic].length;
  let placed = 0;
  let lineStart = true;
  for (const ch of poem) {
    out.push(lineStart && placed++ < count ? dataSpan(ch, 'prime') : ch);
    lineStart = LINE_END_MARKS.has(ch);
  }
  return out;
}
