// rnnkit's public API: re-exports only.
export { RnnkitError, ShapeError, FormatError, NonFiniteError, UsageError, EnvironmentError } from './errors.js';
export { type Tensor, tensor, sizeOf, formatShape, assertTensor, assertShape, assertFinite } from './tensor/tensor.js';
export type { Backend, FloatArray, Activation } from './backend/backend.js';
export { createReferenceBackend } from './backend/reference/index.js';
export { createWasmBackend, type WasmBackendOptions } from './backend/wasm/index.js';
export { setBackend, getBackend, currentBackend, type BackendName } from './backend/select.js';
export { Random, manualSeed } from './random.js';
export { type Parameter, ParameterSet, type ParameterSpec } from './layers/parameters.js';
