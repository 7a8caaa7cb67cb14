/**
 * PyTorch character language models into rnnkit: a state dict of
 * `nn.Embedding` → `nn.LSTM`/`nn.GRU`/`nn.RNN` → `nn.Linear` (as written by
 * `safetensors.torch.save_file(model.state_dict(), path)`) becomes a {@link LanguageModel}
 * that predicts the same next-character distribution.
 *
 * Mapping (PyTorch module names are found by shape, or given):
 *   `<embedding>.weight` [V, E]                 → `embedding.weight`
 *   `<rnn>.weight_ih_l{k}`, `weight_hh_l{k}`,
 *   `bias_ih_l{k}`, `bias_hh_l{k}`               → `rnn.…` (same names, gate orders and shapes)
 *   `<decoder>.weight` [V, H], `<decoder>.bias`  → `decoder.weight`, `decoder.bias`
 * The cell comes from the gate rows (4H: LSTM, 3H: GRU, H: tanh RNN), the sizes and the
 * number of layers from the shapes; missing biases are zeros. PyTorch's modules are
 * rnnkit's default forms: its GRU puts the reset gate after the recurrent product and its
 * LSTM has no peepholes, so a state dict with peephole weights, or an rnnkit model file
 * (which may hold either variant), is refused rather than read as something it is not. An LSTM
 * with `proj_size` (its `weight_hr_l{k}` [P, H]) becomes a language model with `projSize: P`.
 *
 * Vocabulary: PyTorch's characters by id (typically `sorted(set(text))`), with `<unk>`
 * added in front when missing (see char-vocabulary.ts).
 */
import type { Backend } from '../backend/backend.js';
import { FormatError } from '../errors.js';
import type { CellKind } from '../layers/recurrent/options.js';
import { LanguageModel } from '../models/language-model/language-model.js';
import type { Tensor } from '../tensor/tensor.js';
import { charVocabulary, shiftedTokenWeights } from './char-vocabulary.js';
import { safetensorsMetadata } from './safetensors.js';

/** Names of the three PyTorch modules; found from the shapes when not given. */
export interface PyTorchModuleNames {
  /** e.g. `embed`, `encoder`, `embedding` */
  embedding: string;
  /** e.g. `lstm`, `rnn` */
  rnn: string;
  /** e.g. `fc`, `decoder`, `linear` */
  decoder: string;
}

/** Options of {@link importPyTorchLanguageModel}. */
export interface PyTorchImportOptions {
  /** PyTorch's characters in id order (one Unicode code point each). */
  vocabulary: readonly string[];
  /** Module names, when the shapes cannot tell. */
  names?: Partial<PyTorchModuleNames>;
  /** @default the current backend */
  backend?: Backend;
}

/**
 * Builds a LanguageModel from a PyTorch char-LM state dict (see the module comment).
 * @throws FormatError when the state dict is not such a model (naming what is missing or
 * misshapen); UsageError on a bad vocabulary.
 */
export async function importPyTorchLanguageModel(dict: Record<string, Tensor>, options: PyTorchImportOptions): Promise<LanguageModel> {
  if (safetensorsMetadata(dict).format === 'rnnkit') {
    throw new FormatError('PyTorch import: this is an rnnkit model file, not a PyTorch state dict (open it with loadModel / --model)');
  }
  const peephole = Object.keys(dict).find((k) => /\.weight_peephole_l\d+(_reverse)?$/.test(k));
  if (peephole !== undefined) {
    throw new FormatError(
      `PyTorch import: '${peephole}' is a peephole weight; PyTorch's LSTM has no peepholes, so this is not ` +
        'a PyTorch state dict (build an LSTM with peepholes: true and use loadStateDict)',
    );
  }
  const names = findModules(dict, options.names ?? {});
  const get = (name: string): Tensor => {
    const t = dict[name];
    if (t === undefined) throw new FormatError(`PyTorch import: the state dict lacks '${name}'`);
    return t;
  };
  const rnn = `${names.rnn}.`;
  const hh = get(`${rnn}weight_hh_l0`);
  const ih = get(`${rnn}weight_ih_l0`);
  if (`${rnn}weight_ih_l0_reverse` in dict) throw new FormatError('PyTorch import: a bidirectional RNN cannot be a language model');
  // An LSTM with proj_size P has weight_hr_l0 [P, H] and weight_hh_l0 [4H, P].
  const hr = dict[`${rnn}weight_hr_l0`];
  if (hr !== undefined && (hr.shape.length !== 2 || hr.shape[0] !== hh.shape[1])) {
    throw new FormatError(
      `PyTorch import: ${rnn}weight_hr_l0 has shape [${hr.shape.join(', ')}], not [P, H] with P = ${String(hh.shape[1])}`,
    );
  }
  const H = hr === undefined ? hh.shape[1] : hr.shape[1];
  const S = hh.shape[1];
  const gates = hh.shape[0] / H;
  const cell: CellKind | undefined = gates === 4 ? 'lstm' : gates === 3 ? 'gru' : gates === 1 ? 'rnn' : undefined;
  if (hh.shape.length !== 2 || cell === undefined) {
    throw new FormatError(`PyTorch import: ${rnn}weight_hh_l0 has shape [${hh.shape.join(', ')}], not [G·H, H] with G 1, 3 or 4`);
  }
  let numLayers = 0;
  while (`${rnn}weight_ih_l${numLayers}` in dict) numLayers++;
  const E = ih.shape[1];
  const embedding = get(`${names.embedding}.weight`);
  const decoderWeight = get(`${names.decoder}.weight`);
  const V = embedding.shape[0];
  if (embedding.shape.length !== 2 || embedding.shape[1] !== E) {
    throw new FormatError(`PyTorch import: ${names.embedding}.weight has shape [${embedding.shape.join(', ')}], expected [V, ${E}]`);
  }
  if (decoderWeight.shape.length !== 2 || decoderWeight.shape[0] !== V || decoderWeight.shape[1] !== S) {
    throw new FormatError(`PyTorch import: ${names.decoder}.weight has shape [${decoderWeight.shape.join(', ')}], expected [${V}, ${S}]`);
  }
  const { tokenizer, shift } = charVocabulary(options.vocabulary, V, 'PyTorch import');
  const model = await LanguageModel.create({
    tokenizer,
    cell,
    embeddingDim: E,
    hiddenSize: H,
    numLayers,
    dropout: 0,
    ...(hr !== undefined ? { projSize: S } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
  });

  const weights: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    if (!name.startsWith('rnn.')) continue;
    const key = rnn + name.slice('rnn.'.length);
    if (key in dict) weights[name] = dict[key];
    else if (name.includes('.bias_')) weights[name] = { shape: t.shape, data: new Float32Array(t.data.length) };
    else throw new FormatError(`PyTorch import: the state dict lacks '${key}'`);
  }
  const decoderBias = dict[`${names.decoder}.bias`] ?? { shape: [V], data: new Float32Array(V) };
  Object.assign(weights, shiftedTokenWeights(shift, embedding, decoderWeight, decoderBias));
  try {
    model.loadStateDict(weights);
  } catch (error) {
    throw new FormatError(`PyTorch import: ${(error as Error).message}`);
  }
  return model.eval();
}

/** The module names: those given, else found by shape. */
function findModules(dict: Record<string, Tensor>, given: Partial<PyTorchModuleNames>): PyTorchModuleNames {
  const keys = Object.keys(dict);
  const candidates = (test: (key: string) => string | undefined): string[] => [...new Set(keys.map(test).filter((k) => k !== undefined))];
  const one = (what: keyof PyTorchModuleNames, found: string[]): string => {
    const name = given[what];
    if (name !== undefined) return name;
    if (found.length === 1) return found[0];
    throw new FormatError(
      `PyTorch import: cannot tell the ${what} module (${
        found.length === 0 ? 'none found' : `candidates: ${found.join(', ')}`
      }); name it (names.${what}). Keys: ${keys.join(', ')}`,
    );
  };
  const rnn = one(
    'rnn',
    candidates((k) => (k.endsWith('.weight_ih_l0') ? k.slice(0, -'.weight_ih_l0'.length) : undefined)),
  );
  const matrices = candidates((k) => (k.endsWith('.weight') && dict[k].shape.length === 2 ? k.slice(0, -'.weight'.length) : undefined));
  const embedding = one(
    'embedding',
    matrices.filter((m) => !(`${m}.bias` in dict)),
  );
  const decoder = one(
    'decoder',
    matrices.filter((m) => `${m}.bias` in dict),
  );
  return { embedding, rnn, decoder };
}
