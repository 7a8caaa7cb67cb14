/**
 * The playground page. It only draws: the worker trains, samples and evaluates, and tells
 * the page what happened in messages (see protocol.ts). Every text is in the page's
 * language (see i18n/), which the switch in the header changes without touching the
 * model or its training.
 */
import './style.css';
import type { Corpus } from './corpora/index.js';
import { byId, errorMessage, setMessage } from './dom.js';
import { durationMessage } from './format.js';
import {
  formatCount,
  formatDecimal,
  type Locale,
  locale,
  LOCALES,
  msg,
  onLocaleChange,
  setLocale,
  show,
  translatePage,
} from './i18n/index.js';
import { InsideViews } from './inside/index.js';
import { describeModel } from './model-info.js';
import { LearningCurve } from './learning-curve.js';
import { drawProbabilityBars } from './probability-bars.js';
import type { ModelInfo, Request, SamplingSettings, TokenProbability, WorkerEvent } from './protocol.js';
import { SampleView } from './sample-view.js';
import { SettingsForm } from './settings-form.js';
import { TextSourcePicker } from './text-source.js';

translatePage();

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (request: Request, transfer: Transferable[] = []): void => worker.postMessage(request, transfer);

/** What the page knows of the worker's state. */
const state = { ready: false, training: false, model: undefined as ModelInfo | undefined, started: false };

const form = new SettingsForm();
const sampleView = new SampleView();
const curve = new LearningCurve(byId('chart'));
const inside = new InsideViews(send, () => picker.current());
/** The bundled text chosen, if one is. */
let chosenCorpus: Corpus | undefined;
const picker = new TextSourcePicker((corpus) => {
  chosenCorpus = corpus;
  // A bundled text before training: its defaults, and a probe text that suits it.
  if (state.model === undefined && !state.started) form.useDefaults(corpus?.poems ?? false);
  inside.suggestProbe(corpus?.probe);
  applyMode();
});

const trainButton = byId('train', HTMLButtonElement);
const resetButton = byId('reset', HTMLButtonElement);
const saveButton = byId('save', HTMLButtonElement);
const newSampleButton = byId('new-sample', HTMLButtonElement);
const modelFileInput = byId('model-file', HTMLInputElement);
const settingsError = byId('settings-error');
const modelError = byId('model-error');
const modelInfo = byId('model-info');
const bars = byId('bars');
const stats = {
  steps: byId('steps'),
  loss: byId('loss'),
  heldOut: byId('held-out'),
  speed: byId('speed'),
  elapsed: byId('elapsed'),
  lossBits: byId('loss-bits'),
  speedSteps: byId('speed-steps'),
};
const sampling = {
  temperature: byId('temperature', HTMLInputElement),
  topP: byId('top-p', HTMLInputElement),
  length: byId('length', HTMLInputElement),
  seed: byId('seed', HTMLInputElement),
  prime: byId('prime', HTMLInputElement),
  acrostic: byId('acrostic', HTMLInputElement),
};

/** The language switch: one button per locale, the current one pressed. */
const localeButtons = [...byId('locale-switch').querySelectorAll<HTMLButtonElement>('button[data-locale]')];
function showLocale(): void {
  for (const button of localeButtons) button.setAttribute('aria-pressed', String(button.dataset.locale === locale()));
}
for (const button of localeButtons) {
  button.addEventListener('click', () => setLocale(LOCALES.find((l) => l === button.dataset.locale) as Locale));
}
onLocaleChange(() => {
  showLocale();
  if (lastTokens !== undefined) drawProbabilityBars(bars, lastTokens);
});
showLocale();

/** Whether the page shows poems: the model writes them, or (before one exists) the chosen text is poems. */
function applyMode(): void {
  const model = state.model;
  const poems = model === undefined ? (chosenCorpus?.poems ?? false) : model.type === 'language-model' && model.poems;
  sampleView.setPoems(poems);
  inside.setPoems(poems);
}

function refreshControls(): void {
  trainButton.disabled = !state.ready;
  show(trainButton, state.training ? 'training.pause' : state.started ? 'training.continue' : 'training.start');
  trainButton.classList.toggle('running', state.training);
  resetButton.disabled = !state.ready || (state.model === undefined && !state.started);
  saveButton.disabled = state.model === undefined;
  newSampleButton.disabled = state.model === undefined;
  form.lock(state.model !== undefined, state.started);
  picker.lock(state.started);
}

trainButton.addEventListener('click', () => {
  if (state.training) {
    send({ type: 'pause' });
    return;
  }
  void (async () => {
    setMessage(settingsError, undefined);
    picker.showError(undefined);
    let settings;
    try {
      settings = form.read();
    } catch (error) {
      setMessage(
        settingsError,
        errorMessage(error, (detail) => msg('error.train', { detail })),
      );
      return;
    }
    try {
      send({ type: 'train', source: await picker.current(), settings });
    } catch (error) {
      picker.showError(errorMessage(error, (detail) => msg('error.data', { detail })));
    }
  })();
});

resetButton.addEventListener('click', () => send({ type: 'reset' }));
saveButton.addEventListener('click', () => send({ type: 'save' }));

modelFileInput.addEventListener('change', () => {
  const file = modelFileInput.files?.[0];
  modelFileInput.value = ''; // the same file can be chosen again
  if (file === undefined) return;
  setMessage(modelError, undefined);
  void file.arrayBuffer().then((buffer) => send({ type: 'open', name: file.name, bytes: new Uint8Array(buffer) }, [buffer]));
});

/** The sampling settings on the page. */
function samplingSettings(): SamplingSettings {
  const int = (input: HTMLInputElement, fallback: number): number => {
    const n = Number(input.value);
    return Number.isInteger(n) && n >= Number(input.min) ? n : fallback;
  };
  return {
    prime: sampling.prime.value,
    acrostic: sampling.acrostic.value.replace(/\s/g, ''),
    temperature: Number(sampling.temperature.value),
    topP: Number(sampling.topP.value),
    length: Math.min(int(sampling.length, 500), 5000),
    seed: int(sampling.seed, 1),
  };
}

let samplingTimer: ReturnType<typeof setTimeout> | undefined;
/** Asks for a new sample and probabilities, a moment after the last change (typing a prime sends one request). */
function requestSample(delay = 120): void {
  byId('temperature-value').textContent = formatDecimal(Number(sampling.temperature.value), 2);
  byId('top-p-value').textContent = formatDecimal(Number(sampling.topP.value), 2);
  clearTimeout(samplingTimer);
  samplingTimer = setTimeout(() => send({ type: 'sample', sampling: samplingSettings() }), delay);
}
for (const input of Object.values(sampling)) input.addEventListener('input', () => requestSample());
newSampleButton.addEventListener('click', () => {
  sampling.seed.value = String(samplingSettings().seed + 1);
  requestSample(0);
});
byId('log-scale', HTMLInputElement).addEventListener('change', (event) => curve.setLogScale((event.target as HTMLInputElement).checked));

/** The curve's hint, with the bits of a blind guess among `vocabulary` tokens. */
function showUniformBits(vocabulary: number): void {
  show(byId('curve-hint'), msg('curve.hint', { uniformBits: formatDecimal(Math.log2(vocabulary), 1) }));
}
showUniformBits(84); // Moby Dick's characters, until a model says

/** The latest next-token probabilities (redrawn after a switch of language). */
let lastTokens: TokenProbability[] | undefined;

function showModel(info: ModelInfo | undefined): void {
  state.model = info;
  state.started = false;
  curve.clear(info?.type === 'language-model' && info.tokenizer === 'word' ? 'word' : 'character');
  inside.setModel(info);
  sampleView.clear();
  stats.steps.textContent = '0';
  stats.loss.textContent = '–';
  stats.heldOut.textContent = '–';
  stats.speed.textContent = '–';
  show(stats.elapsed, durationMessage(0));
  stats.lossBits.textContent = '';
  stats.speedSteps.textContent = '';
  lastTokens = undefined;
  if (info === undefined) {
    show(modelInfo, 'modelFile.none');
    const placeholder = document.createElement('p');
    placeholder.className = 'placeholder';
    bars.replaceChildren(placeholder);
    show(placeholder, 'next.placeholder');
  } else {
    show(modelInfo, describeModel(info));
    if (info.type === 'language-model') {
      form.show(info.settings);
      showUniformBits(info.vocabSize);
    }
  }
  applyMode();
  refreshControls();
}

function download(bytes: Uint8Array): void {
  const info = state.model;
  const name =
    info?.fileName ??
    (info?.type === 'language-model' ? `rnnkit-${info.settings.cell}-${info.settings.hiddenSize}.safetensors` : 'model.safetensors');
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

let latestProgress: Extract<WorkerEvent, { type: 'progress' }> | undefined;
function showProgress(): void {
  const e = latestProgress!;
  latestProgress = undefined;
  stats.steps.textContent = String(e.step);
  stats.loss.textContent = formatDecimal(e.smoothedLoss, 4);
  show(stats.lossBits, msg('stats.bits', { bits: formatDecimal(e.smoothedLoss / Math.LN2, 2) }));
  stats.speed.textContent = formatCount(e.tokensPerSecond);
  show(stats.speedSteps, msg('stats.stepsPerSecond', { rate: formatDecimal(e.stepsPerSecond, 2) }));
  show(stats.elapsed, durationMessage(e.elapsedSeconds));
}

/** The events of the training and sampling views (those of the views of the inside go to InsideViews). */
const handlers: { [K in WorkerEvent['type']]?: (event: Extract<WorkerEvent, { type: K }>) => void } = {
  ready: (e) => {
    state.ready = true;
    byId('threads').textContent = String(e.threads);
    show(byId('backend'), msg('engine.wasm', { threads: e.threads, shared: e.isolated }));
    byId('isolation-notice').hidden = e.isolated;
    refreshControls();
    requestSample(0);
    inside.sendProbe();
  },
  model: (e) => showModel(e.info),
  state: (e) => {
    state.training = e.training;
    if (e.training) state.started = true;
    refreshControls();
  },
  progress: (e) => {
    curve.addTraining(e.step, e.smoothedLoss / Math.LN2);
    // Small models report many steps a frame: the figures are written once per frame, the latest.
    if (latestProgress === undefined) requestAnimationFrame(showProgress);
    latestProgress = e;
  },
  evaluation: (e) => {
    stats.heldOut.textContent = formatDecimal(e.bitsPerChar, 3);
    curve.addHeldOut(e.step, e.bitsPerChar);
  },
  sample: (e) => sampleView.showText(e, !state.started),
  poems: (e) => sampleView.showPoems(e, !state.started),
  'form-score': (e) => sampleView.showFormScore(e),
  probabilities: (e) => {
    lastTokens = e.tokens;
    drawProbabilityBars(bars, e.tokens);
  },
  saved: (e) => download(e.bytes),
  error: (e) => {
    if (e.site === 'data') picker.showError(e.message);
    else if (e.site === 'model-file' || e.site === 'save') setMessage(modelError, e.message);
    else setMessage(settingsError, e.message);
  },
};

worker.addEventListener('message', (event: MessageEvent<WorkerEvent>) => {
  const e = event.data;
  if (!inside.handle(e)) (handlers[e.type] as ((event: WorkerEvent) => void) | undefined)?.(e);
});
worker.addEventListener('error', (event) => setMessage(settingsError, msg('error.workerCrashed', { detail: event.message })));
showModel(undefined);
