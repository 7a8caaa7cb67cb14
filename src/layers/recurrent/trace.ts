/**
 * Traces of a forward pass: what a recurrent layer computed at every step, for looking
 * inside a trained network (Karpathy, Johnson & Fei-Fei 2015; Strobelt et al. 2018, LSTMVis).
 *
 * Legend: T steps, B rows, H hidden size, G gates.
 */
import type { FloatArray } from '../../backend/backend.js';
import type { RecordedSteps } from './direction-buffers.js';
import { type CellKind, gatesOf } from './options.js';

/** The gates of a cell, in the order of its weight blocks (PyTorch's). */
export function gateNames(cell: CellKind): readonly string[] {
  return cell === 'lstm' ? ['i', 'f', 'g', 'o'] : cell === 'gru' ? ['r', 'z', 'n'] : ['a'];
}

/** What one direction of one layer computed at each step. */
export interface StateTrace<F extends FloatArray = Float32Array> {
  /** 0-based layer. */
  layer: number;
  direction: 'forward' | 'reverse';
  /** h_t, the state after step t: [T, B, H] ([T, B, P] for a projected LSTM). */
  hidden: F;
  /** c_t (LSTM): [T, B, H]. */
  cell?: F;
  /**
   * Each gate's values at step t, [T, B, H], by name: the activations `i`, `f`, `g`, `o`
   * (LSTM: input, forget, cell input, output) or `r`, `z`, `n` (GRU: reset, update,
   * candidate); for an Elman RNN `a`, the pre-activation W_ih x_t + b_ih + W_hh h_{t−1} + b_hh.
   */
  gates: Record<string, F>;
}

/** A direction's recorded steps as a {@link StateTrace} (the gate blocks split apart). */
export function stateTrace<F extends FloatArray>(
  recorded: RecordedSteps<F>,
  cell: CellKind,
  H: number,
  layer: number,
  direction: StateTrace['direction'],
): StateTrace<F> {
  const G = gatesOf(cell);
  const rows = recorded.gates.length / (G * H);
  const gates: Record<string, F> = {};
  gateNames(cell).forEach((name, k) => {
    const block = recorded.gates.slice(0, rows * H) as F; // a typed array of the right kind and size
    for (let r = 0; r < rows; r++) block.set(recorded.gates.subarray(r * G * H + k * H, r * G * H + (k + 1) * H), r * H);
    gates[name] = block;
  });
  return { layer, direction, hidden: recorded.hidden, ...(recorded.cell === undefined ? {} : { cell: recorded.cell }), gates };
}
