/**
 * The names the page gives the quantities inside a cell, in the notation of the lecture
 * notes rnnkit comes from (Hung-yi Lee's LSTM: the four inputs z, z_i, z_f, z_o of the
 * memory cell; Cho et al.'s GRU: reset gate r, update gate z, candidate).
 */
import { type MessageKey, msg, text } from '../i18n/index.js';

/** Messages of the quantities a trace holds (see ProbeTrace). */
const SERIES: Record<string, MessageKey> = {
  h: 'series.h',
  c: 'series.c',
  i: 'series.i',
  f: 'series.f',
  g: 'series.g',
  o: 'series.o',
  r: 'series.r',
  z: 'series.z',
  n: 'series.n',
  a: 'series.a',
};

/** The label of quantity `key` in the page's language ('hidden state h', '遗忘门 σ(z_f)'); an unknown key is its own label. */
export function seriesLabel(key: string): string {
  const known = SERIES[key];
  return known === undefined ? key : text(msg(known));
}
