/**
 * ONNX models as protobuf bytes, through protobufjs and the official schema
 * (proto/onnx.proto, compiled to a descriptor at build time). The interfaces below are
 * the part of the schema rnnkit writes, with protobufjs's camelCase field names.
 */
import protobuf from 'protobufjs/light.js';
import { onnxSchema } from './schema.generated.js';

/** `TensorProto.DataType` values rnnkit uses. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;

/** `AttributeProto.AttributeType` values rnnkit uses. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian element bytes. */
  rawData: Uint8Array;
}

export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeMessage {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
}

/** A dimension: a fixed size or a symbolic name. */
export type Dimension = { dimValue: number } | { dimParam: string };

export interface ValueInfoMessage {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: Dimension[] } } };
}

export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
}

export interface ModelMessage {
  irVersion: number;
  producerName: string;
  opsetImport: { domain: string; version: number }[];
  graph: GraphMessage;
  /** ONNX's `metadata_props`: free key–value pairs (ONNX Runtime's `custom_metadata_map`). */
  metadataProps?: { key: string; value: string }[];
}

let modelType: protobuf.Type | undefined;

function onnxModelType(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(onnxSchema).lookupType('onnx.ModelProto');
  return modelType;
}

/** Serialises a model to the ONNX protobuf wire format. */
export function encodeModel(model: ModelMessage): Uint8Array {
  const type = onnxModelType();
  return type.encode(type.fromObject(model)).finish();
}

/** Parses ONNX bytes (for inspection and tests); int64 fields come back as numbers. */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const type = onnxModelType();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false, arrays: true }) as ModelMessage;
}
