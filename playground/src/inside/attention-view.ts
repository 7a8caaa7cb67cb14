/**
 * Attention of an encoder–decoder: the outputs of greedy decoding and beam search for a
 * source the user types, and the attention matrix of the chosen one on a canvas — output
 * tokens down, source tokens across, darker where a step read a token more.
 */
import type { AttentionMap, AttentionMaps } from '../../../src/index.js';
import { byId, sizeCanvas } from '../dom.js';
import { visibleToken } from '../format.js';
import { formatDecimal, msg, onLocaleChange, text } from '../i18n/index.js';

const MAX_CELL = 34;
const FONT = '13px system-ui, sans-serif';

export class AttentionView {
  private readonly canvas = byId('attention', HTMLCanvasElement);
  private readonly outputs = byId('attention-outputs');
  private maps: AttentionMaps | undefined;
  private chosen = 0;

  constructor() {
    onLocaleChange(() => {
      if (this.maps !== undefined) this.render();
    });
  }

  show(maps: AttentionMaps): void {
    this.maps = maps;
    this.chosen = 0;
    this.render();
  }

  clear(): void {
    this.maps = undefined;
    this.outputs.replaceChildren();
    this.canvas.getContext('2d')?.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Greedy first, then the beam's hypotheses. */
  private candidates(): { label: string; map: AttentionMap }[] {
    const m = this.maps!;
    return [
      { label: text('attention.greedy'), map: m.greedy },
      ...m.beam.map((map, i) => ({
        label: text(msg('attention.beam', { rank: i + 1, logProb: formatDecimal(map.logProb!, 2).replace('-', '−') })),
        map,
      })),
    ];
  }

  private render(): void {
    const candidates = this.candidates();
    this.outputs.replaceChildren(
      ...candidates.map(({ label, map }, i) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = `output${i === this.chosen ? ' active' : ''}`;
        button.dataset.text = map.text;
        button.innerHTML = `<span class="output-kind"></span><span class="output-text"></span>`;
        button.querySelector('.output-kind')!.textContent = label;
        const output = button.querySelector<HTMLElement>('.output-text')!;
        if (map.text === '') output.textContent = text('attention.empty');
        else {
          output.textContent = map.text;
          output.translate = false;
        }
        button.addEventListener('click', () => {
          this.chosen = i;
          this.render();
        });
        return button;
      }),
    );
    this.draw(this.maps!.source, candidates[this.chosen].map);
  }

  private draw(source: readonly string[], map: AttentionMap): void {
    const canvas = this.canvas;
    const context = canvas.getContext('2d')!;
    context.font = FONT;
    const labels = (tokens: readonly string[]) => tokens.map((t) => visibleToken(t));
    const across = labels(source);
    const down = labels(map.output);
    const left = 12 + Math.max(...down.map((t) => context.measureText(t).width));
    const top = 16 + Math.max(...across.map((t) => context.measureText(t).width)) * Math.SQRT1_2;
    const available = Math.max(200, (canvas.parentElement?.clientWidth ?? 600) - left - 40);
    const cell = Math.max(8, Math.min(MAX_CELL, Math.floor(available / across.length)));
    sizeCanvas(canvas, left + cell * across.length + 30, top + cell * down.length + 8);
    context.font = FONT;
    context.fillStyle = '#1c2230';
    context.textBaseline = 'middle';
    // Output tokens down the left, source tokens across the top (slanted).
    context.textAlign = 'right';
    down.forEach((t, i) => context.fillText(t, left - 8, top + (i + 0.5) * cell));
    context.textAlign = 'left';
    across.forEach((t, j) => {
      context.save();
      context.translate(left + (j + 0.5) * cell, top - 6);
      context.rotate(-Math.PI / 4);
      context.fillText(t, 0, 0);
      context.restore();
    });
    map.weights.forEach((row, i) =>
      row.forEach((w, j) => {
        context.fillStyle = `rgba(47, 91, 211, ${Math.min(1, Math.max(0, w))})`;
        context.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
        if (cell >= 28) {
          context.fillStyle = w > 0.55 ? '#ffffff' : '#5b6172';
          context.textAlign = 'center';
          context.font = '10px system-ui, sans-serif';
          context.fillText(w.toFixed(2).replace(/^0/, ''), left + (j + 0.5) * cell, top + (i + 0.5) * cell);
          context.font = FONT;
        }
      }),
    );
    context.strokeStyle = '#e3e6ee';
    context.strokeRect(left - 0.5, top - 0.5, cell * across.length, cell * down.length);
  }
}
