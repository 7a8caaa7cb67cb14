/**
 * The training worker: it owns the WebAssembly backend (threaded when the page is
 * cross-origin isolated), the model and its training run, so that the page's thread only
 * draws. Training runs the same loop, defaults and model files as `rnnkit train lm`; between
 * two steps the worker answers the page (samples, probabilities, the views of the inside of
 * the network, saving) and, every few seconds, samples, traces and evaluates on its own.
 * Opened model files may also be encoder–decoders (attention) or CTC models.
 */
import {
  type Backend,
  CharTokenizer,
  COUPLET_COMMA,
  COUPLET_STOP,
  createReferenceBackend,
  createWasmBackend,
  CTCModel,
  FORM_SCORE_TEMPERATURE,
  isRegularQuatrain,
  LanguageModel,
  type Model,
  modelFromBytes,
  modelToBytes,
  modelTypeOf,
  readFrames,
  samplePoems,
  Seq2Seq,
  attentionMaps,
  type CellKind,
  type Tokenizer,
} from '../../src/index.js';
import { data, type DataValue, LocalizedError, type Message, msg } from './i18n/message.js';
import {
  PAGE_MODEL_TYPES,
  type FailureSite,
  type ModelInfo,
  type Request,
  type SamplingSettings,
  type TrainingSettings,
  type TextSource,
  type WorkerEvent,
} from './protocol.js';
import { topTokens } from './top-tokens.js';
import { Inspector } from './worker-inspect.js';
import { TrainingSession } from './worker-training.js';

/** The worker's side of postMessage (typed here: the DOM library types `self` as a window). */
const scope = self as unknown as {
  postMessage(event: WorkerEvent, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  crossOriginIsolated: boolean;
};

/** Bars of the next-token chart. */
const TOP_TOKENS = 12;
/** Poems a sample shows, and poems a form score counts (sampled at FORM_SCORE_TEMPERATURE with a fixed seed, comparable over training). */
const POEMS_SHOWN = 5;
const POEMS_SCORED = 20;
const FORM_SCORE_SEED = 7;

let backend!: Backend;
let model: Model | undefined;
let session: TrainingSession | undefined;
let sampling: SamplingSettings | undefined;
/** The model writes poems one per line (see LanguageModelInfo.poems). */
let poems = false;

const post = (event: WorkerEvent, transfer: Transferable[] = []): void => scope.postMessage(event, transfer);
/** The detail of a failure: the library's own words (its errors are in English), as data. */
const detail = (error: unknown): DataValue => data(error instanceof Error ? error.message : String(error));
/** Posts a failure: the worker's own message, or the library's framed by the site's. */
const fail = (site: FailureSite, error: unknown): void => {
  const message: Message = error instanceof LocalizedError ? error.text : msg(`error.${site}`, { detail: detail(error) });
  post({ type: 'error', site, message });
};
const inspector = new Inspector(post);

/** The current model when it is a language model. */
const languageModel = (): LanguageModel | undefined => (model instanceof LanguageModel ? model : undefined);

/** A fresh backend; the old one, and every buffer of the model on it, is released. */
async function renewBackend(): Promise<void> {
  (backend as Backend | undefined)?.dispose();
  // Plain SIMD (no fused multiply-add), as Node runs it: a model gives the page the same numbers as the CLI.
  backend = await createWasmBackend({ relaxedSimd: false });
}

/** Whether a model opened from a file writes poems one per line: a character model that knows ，。 and the line break. */
function writesPoems(model: LanguageModel): boolean {
  const { tokenizer } = model;
  return tokenizer.kind === 'char' && [COUPLET_COMMA, COUPLET_STOP, '\n'].every((ch) => tokenizer.encode(ch)[0] !== tokenizer.unkId);
}

function describe(next: Model, fileName: string | undefined): ModelInfo {
  if (next instanceof LanguageModel) {
    return {
      type: 'language-model',
      settings: next.settings,
      tokenizer: next.tokenizer.kind,
      vocabSize: next.tokenizer.vocabSize,
      fileName,
      poems,
    };
  }
  const encoderOf = (s: { cell: CellKind; hiddenSize: number; numLayers: number; bidirectional: boolean }) => ({
    cell: s.cell,
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    bidirectional: s.bidirectional,
    fileName,
  });
  if (next instanceof Seq2Seq) {
    const t = next.settings;
    return { type: 'seq2seq', ...encoderOf(t), context: t.context, sourceVocabSize: t.sourceVocabSize, targetVocabSize: t.targetVocabSize };
  }
  const c = (next as CTCModel).settings;
  const encoder = encoderOf(c);
  const labels = [...((next as CTCModel).vocabularies.labels ?? Array.from({ length: c.numLabels }, (_, k) => String(k)))];
  return { type: 'ctc-model', ...encoder, inputSize: c.inputSize, labels };
}

function setModel(next: Model | undefined, fileName?: string): void {
  model = next;
  session = undefined;
  inspector.forget();
  post({ type: 'model', info: next === undefined ? undefined : describe(next, fileName) });
}

/** Runs `work` on the model now, or between two steps while training. */
function withModel(work: () => Promise<void> | void): void {
  if (session?.running) session.defer(work);
  else void work();
}

async function sampleNow(): Promise<void> {
  const lm = languageModel();
  if (lm === undefined || sampling === undefined) return;
  const s = sampling;
  const step = session?.step ?? 0;
  try {
    const options = { temperature: s.temperature, topP: s.topP };
    if (poems) {
      const begin = s.acrostic !== '' ? { acrostic: s.acrostic } : s.prime !== '' ? { start: s.prime } : {};
      post({ type: 'poems', sampling: s, poems: samplePoems(lm, POEMS_SHOWN, { ...options, ...begin, seed: s.seed }), step });
    } else {
      const text = await lm.generate({ ...options, prime: s.prime, length: s.length, seed: s.seed });
      post({ type: 'sample', sampling: s, text: s.prime + text, step });
    }
    // A poem begins after the line break that ended the one before.
    const context = poems ? `\n${s.prime}` : s.prime;
    post({ type: 'probabilities', prime: s.prime, tokens: topTokens(lm, lm.nextTokenProbabilities(context, options), TOP_TOKENS) });
  } catch (error) {
    fail('sample', error);
  }
}

/** Posts the form score of a model that writes poems: how many of POEMS_SCORED poems are regular quatrains. */
function scoreFormNow(): void {
  const lm = languageModel();
  if (lm === undefined || !poems) return;
  try {
    const written = samplePoems(lm, POEMS_SCORED, { temperature: FORM_SCORE_TEMPERATURE, seed: FORM_SCORE_SEED });
    post({
      type: 'form-score',
      step: session?.step ?? 0,
      regular: written.filter(isRegularQuatrain).length,
      count: written.length,
      temperature: FORM_SCORE_TEMPERATURE,
    });
  } catch (error) {
    fail('sample', error);
  }
}

/** The views of the inside: states over the probe text and, when `flow`, the gradient flow. */
function inspectNow(flow: boolean): void {
  const lm = languageModel();
  if (lm === undefined) return;
  try {
    inspector.postTrace(lm, session?.step ?? 0);
    // The gradient-flow and cell-step views follow h_t = o ⊙ tanh(c_t): not a projected LSTM's.
    if (flow && lm.settings.projSize === undefined) inspector.postGradientFlow(lm);
  } catch (error) {
    fail('probe', error);
  }
}

async function train(source: TextSource, settings: TrainingSettings): Promise<void> {
  if (session?.running) return;
  if (model !== undefined && !(model instanceof LanguageModel)) {
    fail('train', new LocalizedError(msg('error.onlyLanguageModels')));
    return;
  }
  if (session === undefined) {
    const tokenizer: Tokenizer = model?.tokenizer ?? CharTokenizer.fromText(source.text);
    let created: TrainingSession;
    try {
      // The text is checked before a model exists: one that cannot train leaves the page as it was.
      const split = TrainingSession.split(tokenizer, source, settings);
      const lm = model ?? (await LanguageModel.create({ tokenizer, ...settings.model, seed: settings.training.seed, backend }));
      if (model === undefined) {
        poems = source.poems;
        setModel(lm);
      }
      created = new TrainingSession(lm, split, settings, backend, post, {
        sample: sampleNow,
        inspect: inspectNow,
        evaluated: scoreFormNow,
      });
    } catch (error) {
      fail(model === undefined ? 'data' : 'train', error);
      return;
    }
    session = created;
    session.evaluate();
    inspectNow(true);
  }
  session.start().catch((error: unknown) => fail('train', error));
}

async function stop(): Promise<void> {
  await session?.stop();
}

async function open(name: string, bytes: Uint8Array): Promise<void> {
  try {
    // Checked on a throwaway backend first: a bad file leaves the current model as it was.
    const checked = await modelFromBytes(bytes, { backend: createReferenceBackend() });
    const type = modelTypeOf(checked);
    if (!PAGE_MODEL_TYPES.includes(type)) throw new LocalizedError(msg('error.modelType', { type }));
  } catch (error) {
    fail(
      'model-file',
      new LocalizedError(
        msg('error.model-file', { name: data(name), detail: error instanceof LocalizedError ? error.text : detail(error) }),
      ),
    );
    return;
  }
  await stop();
  await renewBackend();
  const opened = await modelFromBytes(bytes, { backend });
  poems = opened instanceof LanguageModel && writesPoems(opened);
  setModel(opened, name);
  await sampleNow();
  inspectNow(true);
  scoreFormNow();
}

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case 'train':
      return train(request.source, request.settings);
    case 'pause':
      session?.pause();
      return;
    case 'reset':
      await stop();
      await renewBackend();
      setModel(undefined);
      return;
    case 'sample':
      sampling = request.sampling;
      withModel(sampleNow);
      return;
    case 'save':
      withModel(() => {
        if (model === undefined) return fail('save', new LocalizedError(msg('error.nothingToSave')));
        const bytes = modelToBytes(model);
        post({ type: 'saved', bytes }, [bytes.buffer]);
      });
      return;
    case 'open':
      return open(request.name, request.bytes);
    case 'probe':
      if (inspector.setProbe(request.text)) withModel(() => inspectNow(true));
      return;
    case 'cell-step': {
      const lm = languageModel();
      // cellStep follows h_t = o ⊙ tanh(c_t), not a projected LSTM's state (it refuses one).
      if (lm !== undefined && lm.settings.projSize === undefined) withModel(() => inspector.postCellStep(lm, request.layer, request.step));
      return;
    }
    case 'compare':
      await stop();
      try {
        await inspector.compare(request.source, request.seconds, backend);
      } catch (error) {
        fail('compare', error);
      }
      return;
    case 'translate':
      if (model instanceof Seq2Seq) {
        try {
          post({ type: 'attention', maps: await attentionMaps(model.eval(), request.text, { beamWidth: request.beamWidth }) });
        } catch (error) {
          fail('translate', error);
        }
      }
      return;
    case 'read-frames':
      if (model instanceof CTCModel) {
        try {
          post({ type: 'ctc', reading: await readFrames(model.eval(), { steps: request.steps, data: request.data }) });
        } catch (error) {
          fail('read-frames', error);
        }
      }
  }
}

/**
 * Requests run one after another in the order they came (a second click on Start while the
 * first builds the model finds it built), once the backend exists.
 */
let queue = renewBackend().then(
  () => post({ type: 'ready', threads: backend.threads, isolated: scope.crossOriginIsolated }),
  (error: unknown) => fail('worker', error),
);

scope.onmessage = (event) => {
  queue = queue.then(() => handle(event.data)).catch((error: unknown) => fail('worker', error));
};
