/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written
 * with DataView and typed arrays only, so that the same code runs in Node.js and in
 * browsers. Files interoperate with the Python `safetensors` package and PyTorch.
 *
 * Layout of a file of L bytes:
 * ```text
 * [0, 8)       N, the header's byte length: unsigned 64-bit, little-endian (N ≤ 100,000,000)
 * [8, 8+N)     the header: a UTF-8 JSON object, padded with spaces
 *              { "__metadata__"?: { key: "value", … },
 *                name: { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, … }
 * [8+N, L)     the data buffer; `data_offsets` count from its start. Each tensor is
 *              row-major and little-endian; together the tensors cover the buffer exactly,
 *              without overlaps or holes.
 * ```
 *
 * rnnkit's tensors are float32, so reading converts every supported dtype to float32
 * (see {@link readSafetensors}) and writing always writes `F32`.
 */
import { FormatError, UsageError } from '../errors.js';
import { assertTensor, formatShape, sizeOf, type Tensor } from '../tensor/tensor.js';
import { decodeElements, DTYPE_BYTES, type Dtype, LITTLE_ENDIAN, UNSUPPORTED_DTYPES } from './safetensors-dtypes.js';

/** The header size limit of the reference implementation, in bytes. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The reserved header key of the metadata, also the name of the non-enumerable property that carries it. */
const METADATA_KEY = '__metadata__';

/** One tensor's header entry, checked. */
interface Entry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads a safetensors file held in memory.
 *
 * Every tensor comes back as float32 `{ shape, data }`, in the order of its bytes in the
 * file:
 * - `F32` as it is (bit for bit, NaN payloads included);
 * - `F16` and `BF16` exactly (every value of theirs is a float32 value);
 * - `F64` rounded to the nearest float32 (ties to even), as PyTorch's `.float()` does:
 *   magnitudes beyond float32's range become ±Infinity, tiny ones subnormals or ±0;
 * - integers (`I8`, `U8`, `I16`, `U16`, `I32`, `U32`, `I64`, `U64`) and `BOOL` (bytes 0 and
 *   1) only when every element is exactly a float32 value (for example |v| ≤ 2^24);
 *   otherwise the read fails rather than change a number silently.
 * The 8-bit, sub-byte and complex dtypes (`F8_*`, `F4`, `F6_*`, `C64`) are rejected.
 *
 * The returned object also holds the file's metadata (its `__metadata__` entry, `{}` when
 * absent) as a non-enumerable property `__metadata__`, so that `Object.keys` lists only
 * tensor names; get it with {@link safetensorsMetadata}. Spreading or cloning the object
 * drops it.
 *
 * The file is checked at least as strictly as the reference implementation checks it:
 * in particular the tensors' byte ranges must tile the data buffer exactly.
 * @param bytes The whole file. The tensors are copies: later changes to `bytes` do not show.
 * @returns Tensor name → float32 tensor, plus the non-enumerable `__metadata__`.
 * @throws FormatError naming what was expected and what came, when the file is shorter
 *   than 8 bytes; its header size exceeds the file or 100,000,000 bytes; the header is not
 *   UTF-8 JSON of an object; a dtype is unknown or unsupported; a shape is not an array of
 *   non-negative integers; `data_offsets` are not two integers with begin ≤ end inside the
 *   data buffer; a tensor's byte length differs from product(shape) × dtype size; tensors
 *   overlap or leave bytes of the data buffer uncovered; a metadata value is not a string;
 *   a tensor is named `__metadata__`; an integer does not fit float32 exactly.
 * @throws UsageError when `bytes` is not a Uint8Array.
 * @example
 * const dict = readSafetensors(await readFile('lstm.safetensors')); // node:fs/promises; a Buffer is a Uint8Array
 * dict['weight_ih_l0'].shape; // [4 * H, D]
 * safetensorsMetadata(dict).format; // e.g. "pt"
 */
export function readSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  if (!(bytes instanceof Uint8Array)) {
    throw new UsageError(`readSafetensors: expected the file's bytes as a Uint8Array, got ${kindOf(bytes)}`);
  }
  const headerBytes = headerLength(bytes);
  const header = parseHeader(bytes.subarray(8, 8 + headerBytes));
  const dataStart = 8 + headerBytes;
  const dataBytes = bytes.byteLength - dataStart;

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const key of Object.keys(header)) {
    if (key === METADATA_KEY) metadata = parseMetadata(header[key]);
    else entries.push(parseEntry(key, header[key], dataBytes));
  }
  checkCoverage(entries, dataBytes);

  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, dataBytes);
  const result: Record<string, Tensor> = {};
  for (const entry of entries) {
    // defineProperty, not assignment: a tensor may be named "__proto__".
    Object.defineProperty(result, entry.name, {
      value: { shape: entry.shape, data: decodeElements(entry.name, entry.dtype, view, entry.begin, entry.end) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(result, METADATA_KEY, { value: metadata, enumerable: false, writable: false, configurable: false });
  return result;
}

/**
 * The metadata that {@link readSafetensors} attached to its result (the file's
 * `__metadata__`, string → string). An object that did not come from `readSafetensors`
 * (or a spread copy of one) gives a fresh empty object.
 * @example writeSafetensors(dict, safetensorsMetadata(dict)) // rewrites a file with its metadata
 */
export function safetensorsMetadata(dict: Record<string, Tensor>): Record<string, string> {
  const property = Object.getOwnPropertyDescriptor(dict, METADATA_KEY);
  if (property !== undefined && !property.enumerable && isRecord(property.value)) {
    return property.value as Record<string, string>;
  }
  return {};
}

/**
 * Writes tensors as a safetensors file, all as `F32`, laid out as the reference
 * implementation does: tensors sorted by name (by code point, which is UTF-8 byte order)
 * and stored contiguously; the header is compact JSON with `__metadata__` first (its keys
 * sorted too, so equal inputs give equal bytes), padded with spaces so the data buffer
 * starts at a multiple of 8 bytes.
 * @param tensors Name → `{ shape, data: Float32Array }`. Names must be well-formed Unicode
 *   and not `__metadata__`. Only own enumerable keys are written (so the metadata property
 *   of a {@link readSafetensors} result is not written as a tensor; pass it as `metadata`).
 * @param metadata String → string, stored as the header's `__metadata__`. Default: none
 *   (no `__metadata__` entry).
 * @returns The whole file.
 * @throws UsageError when `tensors` or `metadata` is not an object, a metadata value is not
 *   a string, or a name is reserved or not well-formed Unicode.
 * @throws ShapeError when a value is not a tensor or its data length does not match its shape.
 */
export function writeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (!isRecord(tensors)) {
    throw new UsageError(`writeSafetensors: expected an object mapping names to tensors, got ${kindOf(tensors)}`);
  }
  const names = Object.keys(tensors).sort(compareCodePoints);
  for (const name of names) {
    checkName(name, 'tensor name');
    if (name === METADATA_KEY) {
      throw new UsageError(`writeSafetensors: a tensor may not be named "${METADATA_KEY}"; pass metadata as the second argument`);
    }
    assertTensor(tensors[name], `writeSafetensors: tensor ${JSON.stringify(name)}`);
  }

  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`"${METADATA_KEY}":${metadataJson(metadata)}`);
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const begin = offset;
    offset += data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":[${shape.join(',')}],"data_offsets":[${begin},${offset}]}`);
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerBytes = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerBytes + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerBytes / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes); // spaces
  let at = 8 + headerBytes;
  for (const name of names) {
    const { data } = tensors[name];
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    } else {
      for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
    }
    at += data.byteLength;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Reading, step by step.

/** The header size N from the first 8 bytes, checked against the limit and the file. */
function headerLength(bytes: Uint8Array): number {
  if (bytes.byteLength < 8) {
    throw new FormatError(`safetensors: expected at least 8 bytes (the header size), got ${bytes.byteLength}`);
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new FormatError(`safetensors: header size ${n} bytes exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  if (n > BigInt(bytes.byteLength - 8)) {
    throw new FormatError(`safetensors: header size ${n} bytes is larger than the ${bytes.byteLength - 8} bytes that follow it`);
  }
  return Number(n);
}

/** The header as a JSON object. */
function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    // fatal: reject invalid UTF-8; ignoreBOM: keep a byte-order mark, which JSON.parse then rejects (as serde_json does).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new FormatError('safetensors: header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`safetensors: header is not valid JSON (${(error as Error).message}): ${excerpt(text)}`);
  }
  if (!isRecord(header)) {
    throw new FormatError(`safetensors: header must be a JSON object, got ${kindOf(header)}`);
  }
  return header;
}

/** The `__metadata__` entry: an object of strings (or null, which means none, as in the reference). */
function parseMetadata(value: unknown): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (value === null) return metadata;
  if (!isRecord(value)) {
    throw new FormatError(`safetensors: "${METADATA_KEY}" must be an object of strings, got ${kindOf(value)}`);
  }
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (typeof v !== 'string') {
      if ('dtype' in value && 'data_offsets' in value) {
        throw new FormatError(
          `safetensors: a tensor may not be named "${METADATA_KEY}"; that key is reserved for the string-to-string metadata`,
        );
      }
      throw new FormatError(
        `safetensors: metadata value of ${JSON.stringify(key)} must be a string, got ${kindOf(v)} ${excerpt(JSON.stringify(v))}`,
      );
    }
    Object.defineProperty(metadata, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

/** One tensor's entry, with its dtype, shape, offsets and byte length checked. */
function parseEntry(name: string, value: unknown, dataBytes: number): Entry {
  const where = `safetensors: tensor ${JSON.stringify(name)}`;
  if (!isRecord(value)) throw new FormatError(`${where}: expected { dtype, shape, data_offsets }, got ${kindOf(value)}`);
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!(field in value)) throw new FormatError(`${where}: "${field}" is missing`);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    const known = Object.keys(DTYPE_BYTES).join(', ');
    if (typeof dtype === 'string' && UNSUPPORTED_DTYPES.includes(dtype)) {
      throw new FormatError(`${where}: dtype ${dtype} is not supported by rnnkit (supported: ${known})`);
    }
    throw new FormatError(`${where}: unknown dtype ${excerpt(JSON.stringify(dtype))} (expected one of ${known})`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw new FormatError(`${where}: shape must be an array of non-negative integers, got ${excerpt(JSON.stringify(shape))}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    throw new FormatError(`${where}: data_offsets must be two non-negative integers [begin, end], got ${excerpt(JSON.stringify(offsets))}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new FormatError(`${where}: data_offsets [${begin}, ${end}] begin after they end`);
  if (end > dataBytes) {
    throw new FormatError(`${where}: data_offsets [${begin}, ${end}] run past the end of the ${dataBytes}-byte data buffer`);
  }
  const d = dtype as Dtype;
  const needed = sizeOf(shape as number[]) * DTYPE_BYTES[d];
  if (end - begin !== needed) {
    throw new FormatError(
      `${where}: shape ${formatShape(shape as number[])} of ${d} needs ${needed} bytes, ` +
        `but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: d, shape: (shape as number[]).map((extent) => extent + 0), begin, end }; // + 0 turns -0 into 0
}

/** Sorts the entries by offsets and checks that they tile [0, dataBytes) exactly, as the reference requires. */
function checkCoverage(entries: Entry[], dataBytes: number): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const entry of entries) {
    if (entry.begin < covered) {
      throw new FormatError(
        `safetensors: tensors ${JSON.stringify(previous!.name)} [${previous!.begin}, ${previous!.end}] and ` +
          `${JSON.stringify(entry.name)} [${entry.begin}, ${entry.end}] overlap in the data buffer`,
      );
    }
    if (entry.begin > covered) {
      throw new FormatError(
        `safetensors: bytes [${covered}, ${entry.begin}) of the data buffer belong to no tensor ` +
          `(the next one, ${JSON.stringify(entry.name)}, begins at ${entry.begin})`,
      );
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataBytes) {
    throw new FormatError(`safetensors: bytes [${covered}, ${dataBytes}) at the end of the data buffer belong to no tensor`);
  }
}

// ---------------------------------------------------------------------------------------
// Writing helpers.

/** Compact JSON of the metadata with keys in code-point order, every value checked to be a string. */
function metadataJson(metadata: Record<string, string>): string {
  if (!isRecord(metadata)) {
    throw new UsageError(`writeSafetensors: metadata must be an object of strings, got ${kindOf(metadata)}`);
  }
  const entries: string[] = [];
  for (const key of Object.keys(metadata).sort(compareCodePoints)) {
    const value: unknown = metadata[key];
    checkName(key, 'metadata key');
    if (typeof value !== 'string') {
      throw new UsageError(`writeSafetensors: metadata value of ${JSON.stringify(key)} must be a string, got ${kindOf(value)}`);
    }
    checkName(value, `metadata value of ${JSON.stringify(key)}`);
    entries.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  return `{${entries.join(',')}}`;
}

/** Rejects strings with lone surrogates: they have no UTF-8 form, and readers of the JSON escape would reject the file. */
function checkName(s: string, what: string): void {
  if (/\p{Cs}/u.test(s)) {
    throw new UsageError(`writeSafetensors: ${what} ${JSON.stringify(s)} holds a lone surrogate and has no UTF-8 form`);
  }
}

/**
 * Orders strings by code point, which is the byte order of their UTF-8 forms (Rust's
 * string order). UTF-16 code-unit order differs for characters above U+FFFF: their
 * surrogates (0xD800–0xDFFF) would sort below U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates above U+E000–U+FFFF, keeping every other code unit's order. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

// ---------------------------------------------------------------------------------------
// Small helpers.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** What a value is, for messages: "null", "array", "string", a class name… */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

/** The first 80 characters of `text`, for messages. */
function excerpt(text: string | undefined): string {
  if (text === undefined) return 'undefined';
  return text.length <= 80 ? text : `${text.slice(0, 77)}...`;
}
