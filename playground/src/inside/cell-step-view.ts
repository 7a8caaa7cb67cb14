/**
 * One cell step: the cell's equations in the notation of the notes, with the numbers the
 * network computed for one unit at one step, forward, and each quantity's gradient backward.
 */
import type { CellStep } from '../../../src/index.js';
import { byId } from '../dom.js';
import { tokenName } from '../format.js';
import { type MessageKey, msg, onLocaleChange, render, show, text } from '../i18n/index.js';

/** A row of the table: what it is, its equation with numbers, its value and its gradient. */
interface Row {
  /** The quantity's name in the notation (HTML). */
  name: string;
  /** What it is, in words. */
  meaning: MessageKey;
  /** Its equation with the numbers filled in (HTML), or ''. */
  equation: string;
  /** The key of its value and gradient in the step. */
  key: string;
  /** The key of its gradient when it differs from `key` (undefined: none shown). */
  gradient?: string | null;
}

/** 0.532, −1.204, 3.1e−5 (a true minus sign). */
export function formatNumber(v: number): string {
  const text = v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(3);
  return text.replace(/-/g, '−');
}

export class CellStepView {
  private readonly root = byId('cell-step');
  private detail: CellStep | undefined;
  private unit = 0;

  constructor() {
    onLocaleChange(() => {
      if (this.detail !== undefined) this.render();
    });
  }

  /** Shows a new step. */
  show(detail: CellStep, unit: number): void {
    this.detail = detail;
    this.unit = unit;
    this.render();
  }

  /** Shows another unit of the same step. */
  showUnit(unit: number): void {
    this.unit = unit;
    if (this.detail !== undefined) this.render();
  }

  clear(): void {
    this.detail = undefined;
    const p = document.createElement('p');
    p.className = 'placeholder';
    this.root.replaceChildren(p);
    show(p, 'cellStep.placeholder');
  }

  private render(): void {
    const d = this.detail!;
    const j = this.unit;
    const value = (key: string): number => d.values[key][j];
    // Numbers inside the equations: as they are in a function's argument, a negative factor in parentheses.
    const n = (key: string): string => formatNumber(value(key));
    const m = (key: string): string => (value(key) < 0 ? `(${n(key)})` : n(key));
    const rows = ROWS[d.cell](n, m, d);
    const head = document.createElement('p');
    head.className = 'step-head';
    render(
      head,
      msg('cellStep.head', {
        layer: d.layer + 1,
        step: d.step + 1,
        token: tokenName(d.token, true),
        last: d.next === undefined,
        next: tokenName(d.next ?? '', true),
        p: formatNumber(d.probability ?? 0),
        loss: formatNumber(d.loss ?? 0),
        unit: j,
      }),
    );
    const table = document.createElement('table');
    table.innerHTML = '<thead><tr><th></th><th></th><th class="num"></th><th class="num">∂L/∂·</th></tr></thead>';
    const headings = table.querySelectorAll('thead th');
    headings[1].textContent = text('cellStep.forward');
    headings[2].textContent = text('cellStep.value');
    const body = document.createElement('tbody');
    for (const row of rows) {
      const tr = document.createElement('tr');
      const gradientKey = row.gradient === undefined ? row.key : row.gradient;
      const gradient = gradientKey === null || d.gradients === undefined ? undefined : d.gradients[gradientKey]?.[j];
      tr.innerHTML =
        `<th scope="row">${row.name}<span class="meaning"></span></th><td class="eq">${row.equation}</td>` +
        `<td class="num" data-key="${row.key}" data-value="${value(row.key)}">${formatNumber(value(row.key))}</td>` +
        (gradient === undefined
          ? '<td class="num grad"></td>'
          : `<td class="num grad" data-gradient="${gradient}">${formatNumber(gradient)}</td>`);
      tr.querySelector('.meaning')!.textContent = text(row.meaning);
      body.append(tr);
    }
    table.append(body);
    this.root.replaceChildren(head, table);
  }
}

/** The rows of each cell, given the unit's formatted values. */
const ROWS: Record<CellStep['cell'], (n: (key: string) => string, m: (key: string) => string, d: CellStep) => Row[]> = {
  lstm: (n, m, d) => [
    { name: 'z', meaning: 'meaning.cellInput', equation: 'w·x<sub>t</sub> + u·h<sub>t−1</sub> + b', key: 'a_g' },
    {
      name: 'z<sub>i</sub>',
      meaning: 'meaning.toInputGate',
      equation:
        `w<sub>i</sub>·x<sub>t</sub> + u<sub>i</sub>·h<sub>t−1</sub> + b<sub>i</sub>` +
        (d.peepholes ? ' + p<sub>i</sub> c<sub>t−1</sub>' : ''),
      key: 'a_i',
    },
    {
      name: 'z<sub>f</sub>',
      meaning: 'meaning.toForgetGate',
      equation:
        `w<sub>f</sub>·x<sub>t</sub> + u<sub>f</sub>·h<sub>t−1</sub> + b<sub>f</sub>` +
        (d.peepholes ? ' + p<sub>f</sub> c<sub>t−1</sub>' : ''),
      key: 'a_f',
    },
    {
      name: 'z<sub>o</sub>',
      meaning: 'meaning.toOutputGate',
      equation:
        `w<sub>o</sub>·x<sub>t</sub> + u<sub>o</sub>·h<sub>t−1</sub> + b<sub>o</sub>` +
        (d.peepholes ? ' + p<sub>o</sub> c<sub>t</sub>' : ''),
      key: 'a_o',
    },
    { name: 'g(z)', meaning: 'meaning.written', equation: `tanh(${n('a_g')})`, key: 'g' },
    { name: 'σ(z<sub>i</sub>)', meaning: 'meaning.inputGate', equation: `σ(${n('a_i')})`, key: 'i' },
    { name: 'σ(z<sub>f</sub>)', meaning: 'meaning.forgetGate', equation: `σ(${n('a_f')})`, key: 'f' },
    { name: 'σ(z<sub>o</sub>)', meaning: 'meaning.outputGate', equation: `σ(${n('a_o')})`, key: 'o' },
    { name: 'c<sub>t−1</sub>', meaning: 'meaning.memoryBefore', equation: '', key: 'cPrev' },
    {
      name: 'c<sub>t</sub>',
      meaning: 'meaning.memoryAfter',
      equation: `σ(z<sub>f</sub>) c<sub>t−1</sub> + σ(z<sub>i</sub>) g(z) = ${m('f')} × ${m('cPrev')} + ${m('i')} × ${m('g')}`,
      key: 'c',
    },
    {
      name: 'h<sub>t</sub>',
      meaning: 'meaning.output',
      equation: `σ(z<sub>o</sub>) tanh(c<sub>t</sub>) = ${m('o')} × tanh(${n('c')})`,
      key: 'h',
    },
    { name: 'h<sub>t−1</sub>', meaning: 'meaning.outputBefore', equation: '', key: 'hPrev' },
  ],
  gru: (n, m, d) => [
    {
      name: 'z<sub>r</sub>',
      meaning: 'meaning.toResetGate',
      equation: 'w<sub>r</sub>·x<sub>t</sub> + u<sub>r</sub>·h<sub>t−1</sub> + b<sub>r</sub>',
      key: 'a_r',
    },
    {
      name: 'z<sub>z</sub>',
      meaning: 'meaning.toUpdateGate',
      equation: 'w<sub>z</sub>·x<sub>t</sub> + u<sub>z</sub>·h<sub>t−1</sub> + b<sub>z</sub>',
      key: 'a_z',
    },
    { name: 'r', meaning: 'meaning.resetGate', equation: `σ(${n('a_r')})`, key: 'r' },
    { name: 'z', meaning: 'meaning.updateGate', equation: `σ(${n('a_z')})`, key: 'z' },
    { name: 'w<sub>n</sub>·x<sub>t</sub> + b', meaning: 'meaning.candidateInput', equation: '', key: 'x_n', gradient: null },
    ...(d.resetAfter
      ? ([
          { name: 'u<sub>n</sub>·h<sub>t−1</sub> + b', meaning: 'meaning.candidateRecurrent', equation: '', key: 'h_n', gradient: null },
          { name: 'n', meaning: 'meaning.candidate', equation: `tanh(${n('x_n')} + ${m('r')} × ${m('h_n')})`, key: 'n' },
        ] satisfies Row[])
      : ([
          {
            name: 'u<sub>n</sub>·(r h<sub>t−1</sub>) + b',
            meaning: 'meaning.candidateRecurrentReset',
            equation: '',
            key: 'h_n',
            gradient: null,
          },
          { name: 'n', meaning: 'meaning.candidate', equation: `tanh(${n('x_n')} + ${m('h_n')})`, key: 'n' },
        ] satisfies Row[])),
    { name: 'h<sub>t−1</sub>', meaning: 'meaning.stateBefore', equation: '', key: 'hPrev' },
    {
      name: 'h<sub>t</sub>',
      meaning: 'meaning.stateAfter',
      equation: `(1 − z) n + z h<sub>t−1</sub> = (1 − ${n('z')}) × ${m('n')} + ${m('z')} × ${m('hPrev')}`,
      key: 'h',
    },
  ],
  rnn: (n) => [
    { name: 'a', meaning: 'meaning.weightedInput', equation: 'w·x<sub>t</sub> + u·h<sub>t−1</sub> + b', key: 'a' },
    { name: 'h<sub>t−1</sub>', meaning: 'meaning.stateBefore', equation: '', key: 'hPrev' },
    { name: 'h<sub>t</sub>', meaning: 'meaning.stateAfter', equation: `tanh(a) = tanh(${n('a')})`, key: 'h' },
  ],
};
