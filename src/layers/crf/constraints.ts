/**
 * Transition constraints of a linear-chain CRF: which tag may start a sequence, follow another
 * tag, or end a sequence. A forbidden move scores −∞, so no path the CRF trains on or decodes
 * takes it. {@link allowedTransitions} derives them from chunk tags (BIO, also called IOB2, and
 * BIOES), as AllenNLP's `allowed_transitions` does: an `I-X` continues a chunk of type X, so it
 * may only follow `B-X` or `I-X`; in BIOES a chunk opened by `B-X` must close with `E-X`, and
 * `S-X` is a chunk of one token.
 *
 * Legend: K tags, L steps of a tag sequence.
 */
import { UsageError } from '../../errors.js';

/** Which moves a K-tag CRF may make. */
export interface TransitionConstraints {
  /** `start[j]`: a sequence may begin with tag j. [K] */
  readonly start: readonly boolean[];
  /** `end[j]`: a sequence may end with tag j. [K] */
  readonly end: readonly boolean[];
  /** `transitions[i][j]`: tag i may be followed by tag j. [K][K] */
  readonly transitions: readonly (readonly boolean[])[];
}

/** Chunk tagging schemes: `B-X` begins, `I-X` continues a chunk of type X; BIOES adds `E-X` (ends) and `S-X` (single). */
export type ChunkScheme = 'BIO' | 'BIOES';

/** A tag's role in a chunk scheme: its prefix (`O` for a tag outside every chunk) and its chunk type. */
interface ChunkRole {
  prefix: 'B' | 'I' | 'E' | 'S' | 'O';
  type: string;
}

const CHUNK_TAG = /^([BIES])-(.+)$/;

function roleOf(label: string): ChunkRole {
  const match = CHUNK_TAG.exec(label);
  return match === null ? { prefix: 'O', type: '' } : { prefix: match[1] as ChunkRole['prefix'], type: match[2] };
}

/**
 * The constraints of a chunk scheme over the tags `labels` (tag j is `labels[j]`). A label
 * without a chunk prefix (`O`, or any other, such as the part-of-speech tags of a joint tag set)
 * is outside every chunk.
 * - BIO: no sequence starts with `I-X`; `I-X` follows only `B-X` or `I-X`.
 * - BIOES: a sequence starts with `O`, `B-X` or `S-X` and ends with `O`, `E-X` or `S-X`; after
 *   `B-X` or `I-X` come only `I-X` or `E-X`; after `O`, `E-X` or `S-X` only `O`, `B-Y` or `S-Y`.
 * @example allowedTransitions('BIO', ['O', 'B-PER', 'I-PER']).transitions[0][2] // false: O → I-PER
 * @throws UsageError on an unknown scheme, or an `E-`/`S-` label under BIO.
 */
export function allowedTransitions(scheme: ChunkScheme, labels: readonly string[]): TransitionConstraints {
  if (scheme !== 'BIO' && scheme !== 'BIOES')
    throw new UsageError(`allowedTransitions: scheme must be 'BIO' or 'BIOES', got '${String(scheme)}'`);
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string')) {
    throw new UsageError('allowedTransitions: labels must be a non-empty array of tag names');
  }
  const roles = labels.map(roleOf);
  if (scheme === 'BIO') {
    const bioes = labels.find((_, j) => roles[j].prefix === 'E' || roles[j].prefix === 'S');
    if (bioes !== undefined) throw new UsageError(`allowedTransitions: '${bioes}' is a BIOES tag; use the 'BIOES' scheme`);
  }
  const opens = (r: ChunkRole): boolean => r.prefix === 'B' || r.prefix === 'I'; // a chunk is open after this tag
  const continues = (r: ChunkRole): boolean => r.prefix === 'I' || r.prefix === 'E'; // this tag needs an open chunk
  const follows = (from: ChunkRole, to: ChunkRole): boolean => {
    if (scheme === 'BIO') return to.prefix !== 'I' || (opens(from) && from.type === to.type);
    return opens(from) ? continues(to) && from.type === to.type : !continues(to);
  };
  return {
    start: roles.map((r) => !continues(r)),
    end: roles.map((r) => scheme === 'BIO' || !opens(r)),
    transitions: roles.map((from) => roles.map((to) => follows(from, to))),
  };
}

/**
 * The chunk scheme tags follow: `BIOES` when some label starts with `E-` or `S-`, `BIO` when
 * some starts with `B-` or `I-`, else none (part-of-speech tags, classes).
 */
export function chunkSchemeOf(labels: readonly string[]): ChunkScheme | undefined {
  const prefixes = new Set(labels.map((l) => roleOf(l).prefix));
  if (prefixes.has('E') || prefixes.has('S')) return 'BIOES';
  if (prefixes.has('B') || prefixes.has('I')) return 'BIO';
  return undefined;
}

/**
 * Where a tag sequence breaks its constraints: tag `to` may not follow `from` (`from`
 * undefined: may not start; `to` undefined: may not end).
 */
export interface Violation {
  /** The step of `to` (L when the sequence may not end with `from`). */
  step: number;
  from: number | undefined;
  to: number | undefined;
}

/** The first place where `tags` breaks `constraints`, or undefined when it keeps them. */
export function firstViolation(tags: readonly number[], constraints: TransitionConstraints): Violation | undefined {
  if (tags.length === 0) return undefined;
  if (!constraints.start[tags[0]]) return { step: 0, from: undefined, to: tags[0] };
  for (let t = 1; t < tags.length; t++) {
    if (!constraints.transitions[tags[t - 1]][tags[t]]) return { step: t, from: tags[t - 1], to: tags[t] };
  }
  const last = tags[tags.length - 1];
  return constraints.end[last] ? undefined : { step: tags.length, from: last, to: undefined };
}

/** Words for a violation, e.g. `'O' → 'I-PER' at positions 3–4` (1-based), or `tag 0 → tag 2 …` without `labels`. */
export function describeViolation(v: Violation, labels?: readonly string[]): string {
  const name = (tag: number): string => (labels?.[tag] === undefined ? `tag ${tag}` : `'${labels[tag]}'`);
  if (v.from === undefined) return `starts with ${name(v.to!)}`;
  if (v.to === undefined) return `ends with ${name(v.from)}`;
  return `${name(v.from)} → ${name(v.to)} at positions ${v.step}–${v.step + 1}`;
}

/**
 * Checks user-given constraints against K tags.
 * @throws UsageError naming the first malformed part.
 */
export function checkConstraints(constraints: TransitionConstraints, K: number, owner: string): void {
  const flags = (list: unknown, n: number): boolean =>
    Array.isArray(list) && list.length === n && list.every((v) => typeof v === 'boolean');
  if (typeof constraints !== 'object' || constraints === null)
    throw new UsageError(`${owner}: constraints must be { start, end, transitions }`);
  if (!flags(constraints.start, K)) throw new UsageError(`${owner}: constraints.start must be ${K} booleans`);
  if (!flags(constraints.end, K)) throw new UsageError(`${owner}: constraints.end must be ${K} booleans`);
  if (
    !Array.isArray(constraints.transitions) ||
    constraints.transitions.length !== K ||
    !constraints.transitions.every((row) => flags(row, K))
  ) {
    throw new UsageError(`${owner}: constraints.transitions must be ${K} rows of ${K} booleans`);
  }
}
