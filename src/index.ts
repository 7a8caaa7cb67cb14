// rnnkit's public API: re-exports only, each module once, grouped by topic.

// ---- Errors -------------------------------------------------------------------------------------
export { RnnkitError, ShapeError, FormatError, NonFiniteError, UsageError, EnvironmentError } from './errors.js';

// ---- Tensors and random numbers ----------------------------------------------------------------
export {
  type Tensor,
  type FloatTensor,
  tensor,
  sizeOf,
  formatShape,
  assertTensor,
  assertFloatTensor,
  assertShape,
  assertFinite,
} from './tensor/tensor.js';
export { Random, manualSeed } from './random.js';

// ---- Backends -----------------------------------------------------------------------------------
export type { Backend, FloatArray, Activation } from './backend/backend.js';
export { createReferenceBackend } from './backend/reference/index.js';
export { createWasmBackend, type WasmBackendOptions } from './backend/wasm/index.js';
export {
  setBackend,
  getBackend,
  currentBackend,
  createDefaultBackend,
  BACKEND_NAMES,
  type BackendName,
  type BackendOptions,
} from './backend/select.js';
// The blas backend is Node-only: reach it with setBackend('blas'); only its types are exported here.
export type { BlasBackendOptions } from './backend/blas/index.js';

// ---- Layers -------------------------------------------------------------------------------------
export { Module, type ModuleOptions } from './layers/module.js';
export { type Parameter, ParameterSet, type ParameterSpec, prefixed } from './layers/parameters.js';
export {
  RNN,
  LSTM,
  GRU,
  RecurrentLayer,
  recurrentLayer,
  type RecurrentForwardOptions,
  type RecurrentForwardResult,
  type RecurrentBackwardInput,
  type RecurrentBackwardResult,
  type RecurrentTraceResult,
} from './layers/recurrent/layers.js';
export type {
  RecurrentOptions,
  RnnOptions,
  GruOptions,
  LstmOptions,
  RecurrentLayerOptions,
  CellVariantOptions,
  CellVariantSettings,
  CellKind,
} from './layers/recurrent/options.js';
export { StepCell, type StepCellVariant } from './layers/recurrent/step-cell.js';
export { type StateTrace, gateNames } from './layers/recurrent/trace.js';
export { Jordan, type JordanOptions, type JordanOutput, type JordanForwardResult } from './layers/jordan.js';
export { Dense, type DenseOptions } from './layers/dense.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { poolForward, poolBackward, type Pooling } from './layers/pooling.js';
export {
  attentionForward,
  attentionBackward,
  type AttentionScore,
  type AttentionInputs,
  type AttentionGradients,
} from './layers/attention.js';
export { CRF, type CRFOptions, type CrfLossOptions, type CrfLossResult, type CrfDecodeOptions, type ScoredPath } from './layers/crf/crf.js';
export { type CrfReduction } from './layers/crf/computation.js';
export {
  allowedTransitions,
  chunkSchemeOf,
  firstViolation,
  describeViolation,
  type TransitionConstraints,
  type ChunkScheme,
  type Violation,
} from './layers/crf/constraints.js';

// ---- Losses -------------------------------------------------------------------------------------
export { crossEntropy, type CrossEntropyOptions, type LossResult, type Reduction, IGNORE_INDEX } from './losses/cross-entropy.js';
export { mse } from './losses/mse.js';
export { ctcLoss, type CtcLossOptions, type CtcLossResult } from './losses/ctc.js';

// ---- Training: the loop, optimizers, schedules, clipping, metrics --------------------------------
export {
  train,
  type TrainingTask,
  type BatchResult,
  type Budget,
  type Progress,
  type TrainOptions,
  type TrainResult,
  type TrainerCheckpoint,
} from './training/trainer.js';
export { Optimizer, type OptimizerState, type HasLearningRate } from './training/optim/optimizer.js';
export { SGD, type SGDOptions } from './training/optim/sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamSettings } from './training/optim/adam.js';
export { RMSprop, type RMSpropOptions } from './training/optim/rmsprop.js';
export {
  type LrSchedule,
  ConstantSchedule,
  type ConstantScheduleOptions,
  StepDecay,
  type StepDecayOptions,
  CosineAnnealing,
  type CosineAnnealingOptions,
  LinearWarmup,
  type LinearWarmupOptions,
  SequentialSchedule,
  warmupThen,
  type WarmupOptions,
} from './training/schedules.js';
export {
  type Optimization,
  OPTIMIZATION_DEFAULTS,
  OPTIMIZERS,
  trainWithOptimization,
  type TrainingHooks,
  createOptimizer,
  createSchedule,
} from './training/optimization.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './training/clip.js';
export { editDistance, errorRate, tokenAccuracy, chunks, entityF1, type Chunk } from './training/metrics.js';

// ---- Data: tokenizers, streams, batches, series -------------------------------------------------
export {
  type Tokenizer,
  type TokenizerJSON,
  type TokenDecoder,
  characterCount,
  TOKENIZER_JSON_VERSION,
} from './data/tokenizers/tokenizer.js';
export { tokenizerFromJSON } from './data/tokenizers/from-json.js';
export { CharTokenizer, CHAR_UNK_SYMBOL, REPLACEMENT_CHARACTER } from './data/tokenizers/char.js';
export {
  WordTokenizer,
  type WordTokenizerOptions,
  splitWords,
  type SplitWordsOptions,
  PAD_ID,
  UNK_ID,
  EOS_ID,
  PAD_TOKEN,
  UNK_TOKEN,
  EOS_TOKEN,
} from './data/tokenizers/word.js';
export { TokenBatches, splitValidation, type SplitValidationOptions } from './data/stream.js';
export { padSequences, padTokenIds, IndexBatches, type Sequence } from './data/sequences.js';
export { slidingWindows, type WindowExample } from './data/series.js';

// ---- Decoding -----------------------------------------------------------------------------------
export { type SamplingOptions, samplingDistribution, resolveSampling, drawFrom, type Sampling } from './decode/sampling.js';
export { beamSearch, type BeamSearchOptions, type BeamDecoder, type BeamStep, type Hypothesis } from './decode/beam-search.js';
export { ctcGreedyDecode, ctcBeamSearch, type CtcDecodeOptions, type CtcBeamOptions, type CtcHypothesis } from './decode/ctc.js';

// ---- Models -------------------------------------------------------------------------------------
export { ModelBase } from './models/model.js';
export { type EncoderOptions, type EncoderSettings, type Vocabularies, type SequencePooling } from './models/sequence-model.js';
export {
  LanguageModel,
  LANGUAGE_MODEL_DEFAULTS,
  type LanguageModelOptions,
  type LanguageModelSettings,
  type Evaluation,
  type SampleOptions,
  LANGUAGE_MODEL_TRAINING_DEFAULTS,
  type LanguageModelTraining,
  splitForTraining,
  type TextContinuation,
} from './models/language-model/language-model.js';
export { traceLanguageModel, type LanguageModelTrace } from './models/language-model/trace.js';
export { cellStep, type CellStep } from './models/language-model/cell-step.js';
export {
  gradientFlow,
  type GradientFlow,
  type GradientFlowOptions,
  type LayerGradientFlow,
} from './models/language-model/gradient-flow.js';
export {
  SequenceTagger,
  type SequenceTaggerOptions,
  type SequenceTaggerSettings,
  type TaggedSequence,
  type CrfConstraintsSetting,
} from './models/sequence-tagger.js';
export {
  SequenceClassifier,
  type SequenceClassifierOptions,
  type SequenceClassifierSettings,
  type LabelledSequence,
} from './models/sequence-classifier.js';
export {
  SequenceRegressor,
  type SequenceRegressorOptions,
  type SequenceRegressorSettings,
  type ForecastWindows,
  type RegressionExample,
  type Normalization,
} from './models/sequence-regressor.js';
export {
  SequenceGenerator,
  type SequenceGeneratorOptions,
  type SequenceGeneratorSettings,
  type ConditionedSequence,
  type Conditioning,
  type GenerateOptions,
} from './models/sequence-generator.js';
export {
  Seq2Seq,
  type Seq2SeqOptions,
  type Seq2SeqSettings,
  type Seq2SeqTraits,
  type Seq2SeqTokens,
  SEQ2SEQ_DEFAULTS,
  type SequencePair,
  type Decoded,
  type GreedyOptions,
  type ContextKind,
  type ContextUse,
  type AttentionKind,
} from './models/seq2seq/seq2seq.js';
export {
  attentionMaps,
  type AttentionMaps,
  type AttentionMap,
  type AttentionMapOptions,
  END_LABEL,
} from './models/seq2seq/attention-map.js';
export { CTCModel, type CTCModelOptions, type CTCModelSettings, type CTCExample } from './models/ctc-model.js';
export { readFrames, type CtcReading, BLANK_LABEL } from './models/ctc-reading.js';

// ---- Poetry: the Tang quatrain demo -------------------------------------------------------------
export {
  quatrainLineLength,
  isRegularQuatrain,
  formScore,
  type QuatrainLineLength,
  COUPLET_COMMA,
  COUPLET_STOP,
  LINE_END_MARKS,
} from './poetry/form.js';
export { samplePoems, samplePoem, checkPoemOptions, type PoemOptions, POEM_MAX_LENGTH } from './poetry/compose.js';
export { POEM_TRAINING_DEFAULTS, FORM_SCORE_TEMPERATURE } from './poetry/defaults.js';

// ---- Files and interchange: safetensors, model files, checkpoints, ONNX, PyTorch, TensorFlow.js --
export { readSafetensors, writeSafetensors, safetensorsMetadata } from './io/safetensors.js';
export {
  saveModel,
  loadModel,
  modelToBytes,
  modelFromBytes,
  FORMAT_VERSION,
  type Model,
  type ModelType,
  type ModelTypes,
  type LoadModelOptions,
} from './io/model-file.js';
export { modelTypeOf, MODEL_TYPES } from './io/model-types.js';
export { saveCheckpoint, loadCheckpoint, type LoadedCheckpoint } from './io/checkpoint.js';
export { exportOnnx, exportOnnxParts, type OnnxExportable, type OnnxExportOptions } from './io/onnx/export.js';
export type { OnnxPart } from './io/onnx/step-models.js';
export { importPyTorchLanguageModel, type PyTorchImportOptions, type PyTorchModuleNames } from './io/torch.js';
export { importTfjsLayersModel, type TfjsImportOptions, type TfjsImportKind, type TfjsImportedModel } from './io/tfjs/import.js';
