/**
 * CTC: how a CTC model reads a sequence — the probability of every label (and the blank) at
 * every frame as a lattice, its best path, and the text it spells. Frames come from a
 * drawing (a model that reads strips of 28-pixel columns, like the MNIST example's) or from
 * a JSON Lines file of frames.
 */
import type { CtcReading } from '../../../src/index.js';
import { parseFrameLines } from '../../../src/data/readers/frames.js';
import { byId, errorMessage, setMessage, sizeCanvas } from '../dom.js';
import { data, LocalizedError, type Message, msg, onLocaleChange, text } from '../i18n/index.js';
import type { CtcModelInfo } from '../protocol.js';

/** Pixels per column of the 28-pixel-high strip on the drawing canvas. */
const SCALE = 6;
const SIDE = 28;
const COLUMNS = 120;
/** Empty columns kept on each side of the ink. */
const MARGIN = 3;

/** Whether a model reads strips of 28-pixel columns labelled with the ten digits (the MNIST example's). */
export function readsDigitStrips(info: CtcModelInfo): boolean {
  return info.inputSize % SIDE === 0 && info.labels.join('') === '0123456789';
}

/**
 * The frames of a drawn strip: `ink` [28 rows × width columns] (row-major, 1 = ink), cut to
 * the inked columns with a margin, each frame `perFrame` columns top to bottom.
 */
export function stripFrames(ink: Float32Array, width: number, perFrame: number): { steps: number; data: Float32Array } | undefined {
  const inked = (x: number): boolean => {
    for (let y = 0; y < SIDE; y++) if (ink[y * width + x] > 0.05) return true;
    return false;
  };
  let first = 0;
  while (first < width && !inked(first)) first++;
  if (first === width) return undefined;
  let last = width - 1;
  while (!inked(last)) last--;
  const from = Math.max(0, first - MARGIN);
  let to = Math.min(width, last + 1 + MARGIN);
  to += (perFrame - ((to - from) % perFrame)) % perFrame;
  const steps = (to - from) / perFrame;
  const data = new Float32Array(steps * perFrame * SIDE);
  for (let x = from; x < to; x++) {
    for (let y = 0; y < SIDE; y++) data[(x - from) * SIDE + y] = x < width ? ink[y * width + x] : 0;
  }
  return { steps, data };
}

export class CtcView {
  private readonly draw = byId('ctc-draw');
  private readonly file = byId('ctc-file');
  private readonly canvas = byId('ctc-canvas', HTMLCanvasElement);
  private readonly lattice = byId('ctc-lattice', HTMLCanvasElement);
  private readonly text = byId('ctc-text');
  private readonly error = byId('ctc-error');
  private readonly lineSelect = byId('ctc-line', HTMLSelectElement);
  private info: CtcModelInfo | undefined;
  private examples: { line: number; frames: { steps: number; data: Float32Array } }[] = [];
  /** The reading shown, to draw it again after a switch of language. */
  private reading: CtcReading | undefined;

  /** `read` asks the worker to read frames. */
  constructor(private readonly read: (frames: { steps: number; data: Float32Array }) => void) {
    this.canvas.width = COLUMNS * SCALE;
    this.canvas.height = SIDE * SCALE;
    this.clearDrawing();
    let drawing = false;
    let last: [number, number] | undefined;
    const at = (event: PointerEvent): [number, number] => {
      const box = this.canvas.getBoundingClientRect();
      return [((event.clientX - box.left) / box.width) * this.canvas.width, ((event.clientY - box.top) / box.height) * this.canvas.height];
    };
    this.canvas.addEventListener('pointerdown', (event) => {
      drawing = true;
      last = at(event);
      this.canvas.setPointerCapture(event.pointerId);
      this.stroke(last, last);
    });
    this.canvas.addEventListener('pointermove', (event) => {
      if (!drawing) return;
      const point = at(event);
      this.stroke(last!, point);
      last = point;
    });
    const end = (): void => {
      if (!drawing) return;
      drawing = false;
      this.readDrawing();
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
    byId('ctc-clear').addEventListener('click', () => {
      this.clearDrawing();
      this.text.textContent = '';
      this.reading = undefined;
      this.lattice.getContext('2d')?.clearRect(0, 0, this.lattice.width, this.lattice.height);
    });
    byId('ctc-frames', HTMLInputElement).addEventListener('change', (event) => void this.openFrames(event.target as HTMLInputElement));
    this.lineSelect.addEventListener('change', () => this.readLine());
    onLocaleChange(() => {
      this.labelLines();
      if (this.reading !== undefined) this.show(this.reading);
    });
  }

  /** Shows the view for a CTC model. */
  setModel(info: CtcModelInfo): void {
    this.info = info;
    const digits = readsDigitStrips(info);
    this.draw.hidden = !digits;
    this.file.hidden = digits;
    this.text.textContent = '';
    this.reading = undefined;
    this.lattice.getContext('2d')?.clearRect(0, 0, this.lattice.width, this.lattice.height);
    setMessage(this.error, undefined);
  }

  showError(message: Message): void {
    setMessage(this.error, message);
  }

  show(reading: CtcReading): void {
    this.reading = reading;
    setMessage(this.error, undefined);
    this.text.textContent = reading.text === '' ? text('ctc.nothing') : reading.text;
    this.text.translate = reading.text === '';
    this.text.dataset.text = reading.text;
    this.drawLattice(reading);
  }

  private stroke(from: [number, number], to: [number, number]): void {
    const context = this.canvas.getContext('2d')!;
    context.strokeStyle = '#1c2230';
    context.lineWidth = 2.6 * SCALE;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(...from);
    context.lineTo(...to);
    context.stroke();
  }

  private clearDrawing(): void {
    const context = this.canvas.getContext('2d')!;
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** The drawing shrunk to 28 rows (averaging pixels), as ink in [0, 1]. */
  private readDrawing(): void {
    if (this.info === undefined) return;
    const small = document.createElement('canvas');
    small.width = COLUMNS;
    small.height = SIDE;
    const context = small.getContext('2d')!;
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.drawImage(this.canvas, 0, 0, COLUMNS, SIDE);
    const pixels = context.getImageData(0, 0, COLUMNS, SIDE).data;
    const ink = new Float32Array(COLUMNS * SIDE);
    for (let i = 0; i < ink.length; i++) ink[i] = 1 - pixels[i * 4] / 255;
    const frames = stripFrames(ink, COLUMNS, this.info.inputSize / SIDE);
    if (frames !== undefined) this.read(frames);
  }

  private async openFrames(input: HTMLInputElement): Promise<void> {
    const chosen = input.files?.[0];
    input.value = '';
    if (chosen === undefined || this.info === undefined) return;
    try {
      const { examples, features } = parseFrameLines(await chosen.text(), chosen.name, false);
      if (features !== this.info.inputSize) {
        throw new LocalizedError(msg('ctc.features', { name: data(chosen.name), features, expected: this.info.inputSize }));
      }
      this.examples = examples;
      this.labelLines();
      this.readLine();
    } catch (error) {
      setMessage(
        this.error,
        errorMessage(error, (detail) => msg('error.read-frames', { detail })),
      );
    }
  }

  /** The lines of the opened frames in the picker, the chosen one kept. */
  private labelLines(): void {
    const chosen = this.lineSelect.value;
    this.lineSelect.replaceChildren(
      ...this.examples.map((e) => new Option(text(msg('ctc.lineOption', { line: e.line, frames: e.frames.steps })), String(e.line))),
    );
    if (chosen !== '') this.lineSelect.value = chosen;
  }

  private readLine(): void {
    const example = this.examples.find((e) => String(e.line) === this.lineSelect.value);
    if (example !== undefined) this.read(example.frames);
  }

  private drawLattice(reading: CtcReading): void {
    const C = reading.classes.length;
    const T = reading.bestPath.length;
    const canvas = this.lattice;
    const context = canvas.getContext('2d')!;
    const font = '12px system-ui, sans-serif';
    context.font = font;
    const left = 10 + Math.max(...reading.classes.map((c) => context.measureText(c).width));
    const available = Math.max(240, (canvas.parentElement?.clientWidth ?? 700) - left - 20);
    const cellWidth = Math.max(3, Math.min(36, Math.floor(available / T)));
    const cellHeight = Math.max(10, Math.min(28, Math.floor(320 / C)));
    sizeCanvas(canvas, left + cellWidth * T + 10, cellHeight * C + 22);
    context.font = font;
    context.textAlign = 'right';
    context.textBaseline = 'middle';
    context.fillStyle = '#1c2230';
    reading.classes.forEach((name, c) => context.fillText(name, left - 6, (c + 0.5) * cellHeight));
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        context.fillStyle = `rgba(47, 91, 211, ${reading.posteriors[t * C + c]})`;
        context.fillRect(left + t * cellWidth, c * cellHeight, cellWidth - 1, cellHeight - 1);
      }
    }
    // The best path: the likeliest class of each frame.
    context.strokeStyle = '#e0603a';
    context.lineWidth = 2;
    context.beginPath();
    reading.bestPath.forEach((c, t) => {
      const x = left + (t + 0.5) * cellWidth;
      const y = (c + 0.5) * cellHeight;
      if (t === 0) context.moveTo(x, y);
      else context.lineTo(x, y);
    });
    context.stroke();
    context.textAlign = 'left';
    context.fillStyle = '#5b6172';
    context.fillText(text(msg('ctc.frames', { frames: T })), left, C * cellHeight + 12);
  }
}
