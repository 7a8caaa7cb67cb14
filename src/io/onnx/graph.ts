/**
 * A small builder of ONNX graphs: initializers, nodes with typed attributes, inputs and
 * outputs with fixed or symbolic dimensions, and unique value names.
 */
import {
  AttributeType,
  type AttributeMessage,
  DataType,
  type Dimension,
  type GraphMessage,
  type NodeMessage,
  type TensorMessage,
  type ValueInfoMessage,
} from './protobuf.js';

/** An attribute value: a number is an INT unless `float()` wraps it; arrays are INTS/STRINGS. */
export type AttributeValue = number | string | readonly number[] | readonly string[] | { float: number };

const encoder = new TextEncoder();

export class GraphBuilder {
  private readonly nodes: NodeMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly used = new Set<string>();

  /** A value name not used yet: `base`, else `base_1`, `base_2`, … */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a float32 constant; returns its name. */
  floats(base: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(base);
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
    this.initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: bytes });
    return name;
  }

  /** Adds an int64 constant (a 1-D list, or a scalar with `dims` []); returns its name. */
  int64s(base: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh(base);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
    this.initializers.push({ name, dims: [...dims], dataType: DataType.INT64, rawData: bytes });
    return name;
  }

  /** Adds a node; `outputs` are base names made unique; returns their final names. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string[] {
    const out = outputs.map((o) => this.fresh(o));
    this.nodes.push({
      name: this.fresh(`${opType}_node`),
      opType,
      input: [...inputs],
      output: out,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return out;
  }

  /** Declares a graph input (the name is taken as given). */
  input(name: string, elemType: number, dims: readonly (number | string)[]): string {
    if (this.used.has(name)) throw new Error(`ONNX graph: the name '${name}' is taken`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares a graph output named `name`, fed by value `from` (an Identity node renames it). */
  output(name: string, from: string, elemType: number, dims: readonly (number | string)[]): void {
    if (this.used.has(name)) throw new Error(`ONNX graph: the name '${name}' is taken`);
    this.used.add(name);
    this.nodes.push({ name: this.fresh('Identity_node'), opType: 'Identity', input: [from], output: [name], attribute: [] });
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  build(name: string): GraphMessage {
    return { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }
}

function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): ValueInfoMessage {
  const dim: Dimension[] = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function attribute(name: string, value: AttributeValue): AttributeMessage {
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: encoder.encode(value) };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if (value.length > 0 && typeof value[0] === 'string') {
    return { name, type: AttributeType.STRINGS, strings: (value as readonly string[]).map((s) => encoder.encode(s)) };
  }
  return { name, type: AttributeType.INTS, ints: [...(value as readonly number[])] };
}
