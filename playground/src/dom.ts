/** Small DOM helpers for the page. */
import { data, type DataValue, LocalizedError, type Message, show, unbind } from './i18n/index.js';

/** The element with `id`, of the expected type. @throws Error when the page lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string, type?: new () => T): T {
  const element = document.getElementById(id);
  if (element === null || (type !== undefined && !(element instanceof type))) throw new Error(`the page lacks #${id}`);
  return element as T;
}

/** Shows `message` in an alert element (in the page's language, also after a switch), or hides it when `message` is undefined. */
export function setMessage(element: HTMLElement, message: Message | undefined): void {
  element.hidden = message === undefined;
  if (message === undefined) {
    unbind(element);
    element.textContent = '';
  } else {
    show(element, message);
  }
}

/** The message of a failure: a LocalizedError's own, else the error's own words (data) framed by `frame` (its {detail}). */
export function errorMessage(error: unknown, frame: (detail: DataValue) => Message): Message {
  if (error instanceof LocalizedError) return error.text;
  return frame(data(error instanceof Error ? error.message : String(error)));
}

/**
 * Sizes `canvas` to `width` × `height` CSS pixels, sharp on high-density screens (its backing
 * store scaled by the device pixel ratio), and returns its context drawing in CSS pixels.
 */
export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.ceil(width * ratio);
  canvas.height = Math.ceil(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const context = canvas.getContext('2d')!;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return context;
}
