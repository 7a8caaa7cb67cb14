/**
 * The names the page gives the quantities inside a cell, in the notation of the lecture
 * notes rnnkit comes from (Hung-yi Lee's LSTM: the four inputs z, z_i, z_f, z_o of the
 * memory cell; Cho et al.'s GRU: reset gate r, update gate z, candidate).
 */

/** Labels of the quantities a trace holds (see ProbeTrace). */
export const SERIES_LABELS: Record<string, string> = {
  h: 'hidden state h',
  c: 'cell state c',
  i: 'input gate σ(z_i)',
  f: 'forget gate σ(z_f)',
  g: 'cell input tanh(z)',
  o: 'output gate σ(z_o)',
  r: 'reset gate r',
  z: 'update gate z',
  n: 'candidate n',
  a: 'pre-activation a',
};
