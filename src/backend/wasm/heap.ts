/**
 * The allocator of the wasm backend: hands out 64-byte-aligned blocks of the module's
 * memory as typed-array views, so kernels receive plain byte offsets and nothing is
 * copied per call.
 *
 * Shared memory grows on demand; old views stay valid because a SharedArrayBuffer is
 * never detached. Unshared memory cannot grow without detaching every view, so it is
 * created at its final size and allocation fails with a clear error when it is full.
 */
import { EnvironmentError, RnnkitError } from '../../errors.js';

const ALIGN = 64;
const PAGE = 65536;

interface Block {
  ptr: number;
  bytes: number;
}

export class WasmHeap {
  private readonly owned = new WeakSet<ArrayBufferLike>();
  private readonly sizes = new Map<number, number>(); // allocated block → bytes
  private readonly freeBlocks: Block[] = []; // sorted by ptr, coalesced
  private top: number;

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
    private readonly growable: boolean,
  ) {
    this.top = align(Math.max(base, ALIGN));
    this.owned.add(memory.buffer);
  }

  /** Bytes in use by live allocations. */
  get bytesInUse(): number {
    let sum = 0;
    for (const bytes of this.sizes.values()) sum += bytes;
    return sum;
  }

  /** Allocates `bytes` (rounded up to 64) zero-filled bytes and returns their offset. */
  allocate(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    const ptr = this.takeFree(size) ?? this.bump(size);
    new Uint8Array(this.memory.buffer, ptr, size).fill(0);
    this.sizes.set(ptr, size);
    return ptr;
  }

  /** Returns a block to the heap. */
  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new RnnkitError(`wasm heap: offset ${ptr} is not a live allocation`);
    this.sizes.delete(ptr);
    this.insertFree({ ptr, bytes: size });
  }

  /** A Float32Array view of `length` elements at `ptr`. */
  float32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.currentBuffer(), ptr, length);
  }

  /** An Int32Array view of `length` elements at `ptr`. */
  int32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.currentBuffer(), ptr, length);
  }

  /** True if the view lies in this heap's memory. */
  owns(view: ArrayBufferView): boolean {
    return this.owned.has(view.buffer);
  }

  /**
   * The byte offset of a view into this memory.
   * @throws RnnkitError if the view belongs to another buffer.
   */
  pointer(view: ArrayBufferView, what: string): number {
    if (!this.owned.has(view.buffer)) {
      throw new RnnkitError(`wasm backend: ${what} is not in the backend's memory; allocate it with backend.alloc()`);
    }
    return view.byteOffset;
  }

  private currentBuffer(): ArrayBufferLike {
    const buffer = this.memory.buffer;
    this.owned.add(buffer);
    return buffer;
  }

  private takeFree(size: number): number | undefined {
    for (let i = 0; i < this.freeBlocks.length; i++) {
      const block = this.freeBlocks[i];
      if (block.bytes < size) continue;
      const ptr = block.ptr;
      if (block.bytes === size) this.freeBlocks.splice(i, 1);
      else {
        block.ptr += size;
        block.bytes -= size;
      }
      return ptr;
    }
    return undefined;
  }

  private bump(size: number): number {
    const ptr = this.top;
    const end = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      if (!this.growable) {
        throw new EnvironmentError(
          `wasm backend: out of memory (${(have / 2 ** 20).toFixed(0)} MiB); ` + 'pass a larger memoryMiB when creating the backend',
        );
      }
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        throw new EnvironmentError(`wasm backend: cannot grow memory to ${(end / 2 ** 20).toFixed(0)} MiB`);
      }
    }
    this.top = end;
    return ptr;
  }

  private insertFree(block: Block): void {
    const list = this.freeBlocks;
    let i = 0;
    while (i < list.length && list[i].ptr < block.ptr) i++;
    list.splice(i, 0, block);
    // Coalesce with the following and the preceding neighbours.
    const next = list[i + 1];
    if (next !== undefined && block.ptr + block.bytes === next.ptr) {
      block.bytes += next.bytes;
      list.splice(i + 1, 1);
    }
    const prev = list[i - 1];
    if (prev !== undefined && prev.ptr + prev.bytes === block.ptr) {
      prev.bytes += block.bytes;
      list.splice(i, 1);
    }
    // A free block at the top goes back to the bump region.
    const last = list[list.length - 1];
    if (last !== undefined && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      list.pop();
    }
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
