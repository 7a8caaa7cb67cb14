/**
 * Errors thrown by rnnkit. Each kind of failure has its own class so that callers
 * (and the CLI, which maps them to exit codes) can tell them apart.
 */

/** Base class of every error rnnkit throws on purpose. */
export class RnnkitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor has the wrong rank, shape or length. The message names what was expected and what came. */
export class ShapeError extends RnnkitError {}

/** A file or byte buffer does not follow its format (truncated, inconsistent, unknown version). */
export class FormatError extends RnnkitError {}

/** A NaN or infinity appeared where finite numbers are required. */
export class NonFiniteError extends RnnkitError {}

/** An option or argument is unknown, missing or out of range. */
export class UsageError extends RnnkitError {}

/** The runtime lacks something rnnkit needs (a WebAssembly feature, memory). */
export class EnvironmentError extends RnnkitError {}
