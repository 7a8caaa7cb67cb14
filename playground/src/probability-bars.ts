/** The next-token chart: one horizontal bar per likely token, with its probability. */
import { formatDecimal, text } from './i18n/index.js';
import { hasName, percentDigits, tokenName, visibleToken } from './format.js';
import type { TokenProbability } from './protocol.js';

/** Draws `tokens` (likeliest first) into `container` (again after a switch of language: the caller keeps them). */
export function drawProbabilityBars(container: HTMLElement, tokens: readonly TokenProbability[]): void {
  const top = tokens[0]?.probability ?? 1;
  container.replaceChildren(
    ...tokens.map(({ token, probability }) => {
      const row = document.createElement('div');
      row.className = 'bar-row';
      const label = document.createElement('span');
      label.className = 'bar-token';
      label.translate = false;
      label.textContent = visibleToken(token);
      if (hasName(token)) label.title = text(tokenName(token));
      const track = document.createElement('span');
      track.className = 'bar-track';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${(100 * probability) / top}%`;
      track.append(bar);
      const value = document.createElement('span');
      value.className = 'bar-value';
      value.textContent = `${formatDecimal(100 * probability, percentDigits(probability))} %`;
      row.append(label, track, value);
      return row;
    }),
  );
}
