/**
 * The `model.json` of a TensorFlow.js LayersModel — what tfjs's `model.save()` writes and
 * what `tensorflowjs_converter` makes of a Keras model — read as rnnkit needs it: the chain
 * of layers (a `Sequential` model, or a functional one whose layers form a single chain),
 * each with its Keras class and config, and the weights manifest.
 *
 * Format: `{ format: 'layers-model', modelTopology, weightsManifest: [{ paths, weights }] }`;
 * `modelTopology` is Keras's model config `{ class_name, config }`, possibly wrapped as
 * `{ model_config: … }` by the converter. Layer configs use Keras's snake_case names
 * (`units`, `return_sequences`, `recurrent_activation`, `reset_after`, …).
 */
import { FormatError } from '../../errors.js';

/** A layer as the topology gives it. */
export interface KerasLayer {
  /** Keras class, e.g. `LSTM`, `Bidirectional`, `Dense`. */
  className: string;
  /** The layer's name, which prefixes its weights' names (`<name>/kernel`). */
  name: string;
  config: Record<string, unknown>;
}

/** One tensor of the weights manifest. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /** tfjs's weight quantization: values stored as `dtype` (uint8, uint16 or float16), float32 = q·scale + min. */
  quantization?: { dtype: string; scale?: number; min?: number };
}

/** What rnnkit reads of a model.json. */
export interface TfjsModel {
  layers: KerasLayer[];
  /** The weights in the order their bytes are stored, shard after shard. */
  weights: WeightSpec[];
  /** The shard files, relative to the model.json, in order. */
  paths: string[];
}

/** Classes of layers that do nothing at inference (dropout, noise) and that the import skips. */
const INFERENCE_NO_OPS = new Set(['InputLayer', 'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

const WHAT = 'TensorFlow.js import';

/**
 * Reads a model.json (its text or its parsed object).
 * @throws FormatError when it is not a LayersModel of one chain of layers with a weights manifest.
 */
export function readModelJson(json: unknown): TfjsModel {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw new FormatError(`${WHAT}: model.json is not valid JSON`);
    }
  }
  const root = record(value, 'model.json');
  if (root.format !== undefined && root.format !== 'layers-model') {
    throw new FormatError(
      `${WHAT}: model.json holds a '${String(root.format)}', not a 'layers-model' ` +
        '(a graph model from a SavedModel has no layers to map)',
    );
  }
  let topology = record(root.modelTopology, 'modelTopology');
  if (topology.model_config !== undefined) topology = record(topology.model_config, 'modelTopology.model_config');
  const manifest = root.weightsManifest;
  if (!Array.isArray(manifest)) throw new FormatError(`${WHAT}: model.json lacks a weightsManifest array`);
  const weights: WeightSpec[] = [];
  const paths: string[] = [];
  for (const group of manifest) {
    const g = record(group, 'a weightsManifest group');
    if (!Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string')) {
      throw new FormatError(`${WHAT}: a weightsManifest group lacks its paths`);
    }
    if (!Array.isArray(g.weights)) throw new FormatError(`${WHAT}: a weightsManifest group lacks its weights`);
    paths.push(...g.paths);
    for (const w of g.weights) weights.push(weightSpec(w));
  }
  return { layers: chainOf(topology), weights, paths };
}

/** The layers of the model in order, without those that do nothing at inference. */
function chainOf(topology: Record<string, unknown>): KerasLayer[] {
  const className = topology.class_name;
  const config = topology.config;
  let entries: unknown[];
  if (className === 'Sequential') {
    // Keras ≥ 2.2 writes { name, layers }; older versions the list itself.
    entries = Array.isArray(config) ? config : list(record(config, 'the Sequential config').layers, 'the Sequential layers');
  } else if (className === 'Model' || className === 'Functional') {
    entries = list(record(config, 'the model config').layers, 'the model layers');
    checkChain(entries);
  } else {
    throw new FormatError(`${WHAT}: unknown model class '${String(className)}' (expected Sequential or a functional Model)`);
  }
  return entries.map((entry) => kerasLayer(entry)).filter((layer) => !INFERENCE_NO_OPS.has(layer.className));
}

/** A functional model must be one chain: each layer's one input is the layer before it. */
function checkChain(entries: unknown[]): void {
  entries.forEach((entry, i) => {
    const layer = record(entry, 'a layer');
    const nodes = layer.inbound_nodes;
    if (i === 0) return;
    const previous = record(entries[i - 1], 'a layer').name;
    const inbound =
      Array.isArray(nodes) && nodes.length === 1 && Array.isArray(nodes[0]) && nodes[0].length === 1 && Array.isArray(nodes[0][0])
        ? (nodes[0][0] as unknown[])[0]
        : undefined;
    if (inbound !== previous) {
      throw new FormatError(
        `${WHAT}: layer '${String(layer.name)}' does not take the output of the layer before it; ` +
          'rnnkit imports models whose layers form one chain (Sequential ones, or functional ones written as a chain)',
      );
    }
  });
}

function kerasLayer(entry: unknown): KerasLayer {
  const layer = record(entry, 'a layer');
  const config = record(layer.config, 'a layer config');
  const name = config.name ?? layer.name;
  if (typeof layer.class_name !== 'string' || typeof name !== 'string')
    throw new FormatError(`${WHAT}: a layer lacks its class_name or name`);
  return { className: layer.class_name, name, config };
}

function weightSpec(value: unknown): WeightSpec {
  const w = record(value, 'a weight');
  if (
    typeof w.name !== 'string' ||
    !Array.isArray(w.shape) ||
    !w.shape.every((d) => Number.isInteger(d) && d >= 0) ||
    typeof w.dtype !== 'string'
  ) {
    throw new FormatError(`${WHAT}: a weight of the manifest lacks its name, shape or dtype`);
  }
  const spec: WeightSpec = { name: w.name, shape: w.shape as number[], dtype: w.dtype };
  if (w.quantization !== undefined) {
    const q = record(w.quantization, `the quantization of ${w.name}`);
    if (typeof q.dtype !== 'string') throw new FormatError(`${WHAT}: the quantization of ${w.name} lacks its dtype`);
    spec.quantization = {
      dtype: q.dtype,
      ...(typeof q.scale === 'number' ? { scale: q.scale } : {}),
      ...(typeof q.min === 'number' ? { min: q.min } : {}),
    };
  }
  return spec;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError(`${WHAT}: ${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new FormatError(`${WHAT}: ${what} must be a JSON array`);
  return value;
}
