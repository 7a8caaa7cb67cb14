/**
 * The memory planner of the engines: an owner declares every buffer it needs as a function
 * of the shape of its input (usually T steps and B rows), the workspace computes all the
 * sizes, allocates each buffer once in the backend's memory and hands out typed views of
 * exactly the planned size. A later shape that needs more grows only the buffers that are
 * too small; one that needs the same sizes gets the very same views back, so a time loop
 * allocates nothing (llm.c: compute every size first, then allocate once and point into it).
 *
 * The buffers are freed together, by {@link Workspace.free} or when the owner passed to the
 * constructor is garbage-collected.
 */
import type { Allocator, FloatArray } from './elements.js';
import { RnnkitError } from '../errors.js';

/** The shape of an engine's input that its buffer sizes depend on. */
export interface Extent {
  /** Time steps. */
  T: number;
  /** Batch rows. */
  B: number;
}

/** A buffer's size, in numbers, as a function of the shape; 0 for a buffer the configuration does not use. */
export type SizeOf<S> = (shape: S) => number;

/** The plan of a workspace: the float buffers and the int32 buffers, each by name. */
export interface WorkspacePlan<S, K extends string, I extends string> {
  floats: { readonly [name in K]: SizeOf<S> };
  ints?: { readonly [name in I]: SizeOf<S> };
}

/** The views a workspace hands out for one shape: a float view per float buffer, an Int32Array per int buffer. */
export type WorkspaceViews<F extends FloatArray, K extends string, I extends string> = { readonly [name in K]: F } & {
  readonly [name in I]: Int32Array;
};

interface Slot<B> {
  name: string;
  size: SizeOf<never>;
  buffer: B | undefined;
}

const collector = typeof FinalizationRegistry === 'undefined' ? undefined : new FinalizationRegistry<() => void>((free) => free());

/**
 * Buffers planned as functions of a shape S (by default {@link Extent}), float buffers named
 * K and int32 buffers named I.
 */
export class Workspace<F extends FloatArray, K extends string, I extends string = never, S = Extent> {
  private readonly floats: Slot<F>[];
  private readonly ints: Slot<Int32Array>[];
  private sizes: number[] = [];
  private current: WorkspaceViews<F, K, I> | undefined;

  /**
   * @param owner when given, the buffers are freed once the owner is garbage-collected (the
   *   workspace must not be reachable from anything but the owner).
   */
  constructor(
    private readonly backend: Allocator<F>,
    plan: WorkspacePlan<S, K, I>,
    owner?: object,
  ) {
    const slots = <B>(sizes: Record<string, SizeOf<S>> | undefined): Slot<B>[] =>
      Object.entries(sizes ?? {}).map(([name, size]) => ({ name, size: size, buffer: undefined }));
    this.floats = slots<F>(plan.floats);
    this.ints = slots<Int32Array>(plan.ints);
    if (owner !== undefined) collector?.register(owner, () => this.free());
  }

  /**
   * The views for `shape`: each buffer at its planned size, grown (never shrunk) when it is
   * too small. The same sizes as the previous call return the same views.
   */
  views(shape: S): WorkspaceViews<F, K, I> {
    const sizes = [...this.floats, ...this.ints].map((slot) => (slot.size as SizeOf<S>)(shape));
    if (this.current !== undefined && sizes.every((n, i) => n === this.sizes[i])) return this.current;
    const b = this.backend;
    const views: Record<string, F | Int32Array> = {};
    this.floats.forEach((slot, i) => {
      const n = sizes[i];
      if (slot.buffer === undefined || slot.buffer.length < n) {
        if (slot.buffer !== undefined) b.free(slot.buffer);
        slot.buffer = b.alloc(n);
      }
      views[slot.name] = slot.buffer.subarray(0, n) as F;
    });
    this.ints.forEach((slot, i) => {
      const n = sizes[this.floats.length + i];
      if (slot.buffer === undefined || slot.buffer.length < n) {
        if (slot.buffer !== undefined) b.free(slot.buffer);
        slot.buffer = b.allocInt(n);
      }
      views[slot.name] = slot.buffer.subarray(0, n);
    });
    this.sizes = sizes;
    this.current = views as WorkspaceViews<F, K, I>;
    return this.current;
  }

  /** The views of the latest {@link views} call. */
  get last(): WorkspaceViews<F, K, I> {
    if (this.current === undefined) throw new RnnkitError('Workspace: no shape planned yet');
    return this.current;
  }

  /** Whether {@link views} has been called since construction or the latest {@link free}. */
  get planned(): boolean {
    return this.current !== undefined;
  }

  /** Returns every buffer to the backend; the next {@link views} allocates anew. */
  free(): void {
    for (const slot of [...this.floats, ...this.ints]) {
      if (slot.buffer !== undefined) this.backend.free(slot.buffer);
      slot.buffer = undefined;
    }
    this.sizes = [];
    this.current = undefined;
  }
}
