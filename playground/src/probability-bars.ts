/** The next-token chart: one horizontal bar per likely token, with its probability. */
import { tokenName, visibleToken } from './format.js';
import type { TokenProbability } from './protocol.js';

/** Draws `tokens` (likeliest first) into `container`. */
export function drawProbabilityBars(container: HTMLElement, tokens: readonly TokenProbability[]): void {
  const top = tokens[0]?.probability ?? 1;
  container.replaceChildren(...tokens.map(({ token, probability }) => {
    const row = document.createElement('div');
    row.className = 'bar-row';
    const label = document.createElement('span');
    label.className = 'bar-token';
    label.textContent = visibleToken(token);
    const name = tokenName(token);
    if (name !== undefined) label.title = name;
    const track = document.createElement('span');
    track.className = 'bar-track';
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(100 * probability) / top}%`;
    track.append(bar);
    const value = document.createElement('span');
    value.className = 'bar-value';
    value.textContent = `${(100 * probability).toFixed(probability >= 0.1 ? 0 : 1)} %`;
    row.append(label, track, value);
    return row;
  }));
}
