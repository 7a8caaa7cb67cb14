/**
 * The playground page. It only draws: the worker trains, samples and evaluates, and tells
 * the page what happened in messages (see protocol.ts).
 */
import './style.css';
import { byId, setMessage } from './dom.js';
import { formatDuration } from '../../src/training/duration.js';
import { formatCount } from './format.js';
import { InsideViews } from './inside/index.js';
import { describeModel } from './model-info.js';
import { LearningCurve } from './learning-curve.js';
import { drawProbabilityBars } from './probability-bars.js';
import type { ModelInfo, Request, SamplingSettings, WorkerEvent } from './protocol.js';
import { SettingsForm } from './settings-form.js';
import { TextSourcePicker } from './text-source.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (request: Request, transfer: Transferable[] = []): void => worker.postMessage(request, transfer);

const picker = new TextSourcePicker();
const form = new SettingsForm();
const curve = new LearningCurve(byId('chart'));
const inside = new InsideViews(send, () => picker.current());

const trainButton = byId('train', HTMLButtonElement);
const resetButton = byId('reset', HTMLButtonElement);
const saveButton = byId('save', HTMLButtonElement);
const newSampleButton = byId('new-sample', HTMLButtonElement);
const modelFileInput = byId('model-file', HTMLInputElement);
const settingsError = byId('settings-error');
const modelError = byId('model-error');
const modelInfo = byId('model-info');
const sample = byId('sample');
const bars = byId('bars');
const stats = {
  steps: byId('steps'), loss: byId('loss'), heldOut: byId('held-out'), speed: byId('speed'), elapsed: byId('elapsed'),
};
const sampling = {
  temperature: byId('temperature', HTMLInputElement), topP: byId('top-p', HTMLInputElement), length: byId('length', HTMLInputElement),
  seed: byId('seed', HTMLInputElement), prime: byId('prime', HTMLInputElement),
};

/** What the page knows of the worker's state. */
const state = { ready: false, training: false, model: undefined as ModelInfo | undefined, started: false };

function refreshControls(): void {
  trainButton.disabled = !state.ready;
  trainButton.textContent = state.training ? 'Pause' : state.started ? 'Continue training' : 'Start training';
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
      setMessage(settingsError, (error as Error).message);
      return;
    }
    try {
      send({ type: 'train', source: await picker.current(), settings });
    } catch (error) {
      picker.showError((error as Error).message);
    }
  })();
});

resetButton.addEventListener('click', () => send({ type: 'reset' }));
saveButton.addEventListener('click', () => send({ type: 'save' }));

modelFileInput.addEventListener('change', () => {
  const file = modelFileInput.files?.[0];
  modelFileInput.value = '';  // the same file can be chosen again
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
    prime: sampling.prime.value, temperature: Number(sampling.temperature.value), topP: Number(sampling.topP.value),
    length: Math.min(int(sampling.length, 500), 5000), seed: int(sampling.seed, 1),
  };
}

let samplingTimer: ReturnType<typeof setTimeout> | undefined;
/** Asks for a new sample and probabilities, a moment after the last change (typing a prime sends one request). */
function requestSample(delay = 120): void {
  byId('temperature-value').textContent = sampling.temperature.value;
  byId('top-p-value').textContent = sampling.topP.value;
  clearTimeout(samplingTimer);
  samplingTimer = setTimeout(() => send({ type: 'sample', sampling: samplingSettings() }), delay);
}
for (const input of Object.values(sampling)) input.addEventListener('input', () => requestSample());
newSampleButton.addEventListener('click', () => {
  sampling.seed.value = String(samplingSettings().seed + 1);
  requestSample(0);
});
byId('log-scale', HTMLInputElement).addEventListener('change', (event) => curve.setLogScale((event.target as HTMLInputElement).checked));

function showModel(info: ModelInfo | undefined): void {
  state.model = info;
  state.started = false;
  curve.clear(info?.type === 'language-model' && info.tokenizer === 'word' ? 'word' : 'character');
  inside.setModel(info);
  stats.steps.textContent = '0';
  stats.loss.textContent = '–';
  stats.heldOut.textContent = '–';
  stats.speed.textContent = '–';
  stats.elapsed.textContent = '0s';
  byId('loss-bits').textContent = '';
  byId('speed-steps').textContent = '';
  byId('sample-caption').textContent = '';
  if (info === undefined) {
    modelInfo.textContent = 'No model yet: start training, or open a model file.';
    sample.replaceChildren(placeholder('Samples appear here every few seconds while the network trains.'));
    bars.replaceChildren(placeholder('The network’s guesses for the next character appear here.'));
  } else {
    modelInfo.textContent = describeModel(info);
    if (info.type === 'language-model') {
      form.show(info.settings);
      byId('uniform-bits').textContent = Math.log2(info.vocabSize).toFixed(1);
    }
  }
  refreshControls();
}

function placeholder(text: string): HTMLElement {
  const p = document.createElement('span');
  p.className = 'placeholder';
  p.textContent = text;
  return p;
}

function download(bytes: Uint8Array): void {
  const info = state.model;
  const name = info?.fileName ?? (info?.type === 'language-model' ? `rnnkit-${info.settings.cell}-${info.settings.hiddenSize}.safetensors` : 'model.safetensors');
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
  stats.loss.textContent = e.smoothedLoss.toFixed(4);
  byId('loss-bits').textContent = `${(e.smoothedLoss / Math.LN2).toFixed(2)} bits/char`;
  stats.speed.textContent = formatCount(e.tokensPerSecond);
  byId('speed-steps').textContent = `${e.stepsPerSecond.toFixed(2)} steps/s`;
  stats.elapsed.textContent = formatDuration(e.elapsedSeconds);
}

/** The events of the training and sampling views (those of the views of the inside go to InsideViews). */
const handlers: { [K in WorkerEvent['type']]?: (event: Extract<WorkerEvent, { type: K }>) => void } = {
  ready: (e) => {
    state.ready = true;
    byId('threads').textContent = String(e.threads);
    byId('backend').textContent = e.backend;
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
    stats.heldOut.textContent = e.bitsPerChar.toFixed(3);
    curve.addHeldOut(e.step, e.bitsPerChar);
  },
  sample: (e) => {
    const { prime, seed, temperature, topP } = e.sampling;
    const primeSpan = document.createElement('span');
    primeSpan.className = 'prime';
    primeSpan.textContent = prime;
    sample.replaceChildren(primeSpan, document.createTextNode(e.text.slice(prime.length)));
    const when = state.started ? `After ${formatCount(e.step)} training step${e.step === 1 ? '' : 's'}` : 'From the model file';
    byId('sample-caption').textContent = `${when} · seed ${seed} · temperature ${temperature.toFixed(2)} · top-p ${topP.toFixed(2)}`;
  },
  probabilities: (e) => drawProbabilityBars(bars, e.tokens),
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
worker.addEventListener('error', (event) => setMessage(settingsError, `The training worker failed: ${event.message}`));
refreshControls();
