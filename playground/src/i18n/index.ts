/**
 * The page in two languages: message catalogues as data (en.ts, zh-CN.ts, one key type,
 * so a message missing from either is a compile error), ICU MessageFormat messages
 * (named placeholders, English plurals, rich-text tags such as <code>) formatted by
 * intl-messageformat, numbers by Intl.NumberFormat of the chosen locale. The locale comes
 * from the browser's languages until the user picks one; the choice is remembered. Text
 * shown through {@link show} and the `data-i18n` attributes of the page is redrawn when
 * the locale changes; views with richer drawings listen with {@link onLocaleChange}.
 */
import IntlMessageFormat from 'intl-messageformat';
import { en, type MessageKey } from './en.js';
import type { Message, MessageValue, MessageValues } from './message.js';
import { type Locale, LOCALE_STORAGE_KEY, localeFor, LOCALES } from './locale.js';
import { zhCN } from './zh-CN.js';

export { type Locale, LOCALE_STORAGE_KEY, localeFor, LOCALES } from './locale.js';

export {
  data,
  type DataValue,
  LocalizedError,
  type Message,
  type MessageKey,
  type MessageValue,
  type MessageValues,
  msg,
} from './message.js';

/** Every catalogue has every key of the English one. */
export type Catalogue = Record<MessageKey, string>;
export const CATALOGUES: Record<Locale, Catalogue> = { en, 'zh-CN': zhCN };

function storedLocale(): Locale | undefined {
  try {
    const stored = localStorage.getItem(LOCALE_STORAGE_KEY);
    return LOCALES.find((l) => l === stored);
  } catch {
    return undefined; // storage refused (privacy settings): the browser's languages decide
  }
}

// Outside a browser (the views' pure functions under Node's tests) there is no navigator: English.
let current: Locale = storedLocale() ?? localeFor(typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]));
const listeners: (() => void)[] = [];
const compiled = new Map<string, IntlMessageFormat>();

/** The page's locale. */
export function locale(): Locale {
  return current;
}

/** Switches the page to `next`, remembers the choice, and redraws every text. */
export function setLocale(next: Locale): void {
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, next);
  } catch {
    // not remembered, still switched
  }
  if (next === current) return;
  current = next;
  document.documentElement.lang = next;
  redraw();
  for (const listener of listeners) listener();
}

/** Calls `listener` after every change of locale (once the page's texts are redrawn). */
export function onLocaleChange(listener: () => void): void {
  listeners.push(listener);
}

function formatter(key: MessageKey): IntlMessageFormat {
  const id = `${current}\u0000${key}`;
  let format = compiled.get(id);
  if (format === undefined) {
    format = new IntlMessageFormat(CATALOGUES[current][key], current);
    compiled.set(id, format);
  }
  return format;
}

/** Tags a message may use, and the element each becomes. */
const TAGS: Record<string, (children: (string | Node)[]) => Node> = Object.fromEntries(
  ['code', 'em', 'strong', 'sub', 'sup'].map((tag) => [tag, (children: (string | Node)[]) => element(tag, children)]),
);
TAGS.logo = (children) => element('span', children, 'logo');

function element(tag: string, children: (string | Node)[], className?: string): HTMLElement {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  node.append(...children);
  return node;
}

/** The value of a placeholder as text: a nested message formatted, data as it is. */
function plainValue(value: MessageValue): string | number | boolean {
  if (typeof value !== 'object') return value;
  return 'key' in value ? text(value) : value.data;
}

/** The value of a placeholder for DOM nodes: a nested message as its nodes, data in an element marked translate="no". */
function nodeValue(value: MessageValue): string | number | boolean | Node {
  if (typeof value !== 'object') return value;
  if ('key' in value) {
    const fragment = document.createDocumentFragment();
    fragment.append(...nodes(value));
    return fragment;
  }
  const span = document.createElement('span');
  span.translate = false;
  span.textContent = value.data;
  return span;
}

function mapValues<T>(values: MessageValues | undefined, map: (value: MessageValue) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([name, value]) => [name, map(value)]));
}

/** A message as plain text (tags dropped, their content kept). */
export function text(message: Message | MessageKey): string {
  const { key, values } = typeof message === 'string' ? { key: message, values: undefined } : message;
  const plain = Object.fromEntries(Object.keys(TAGS).map((tag) => [tag, (chunks: string[]) => chunks.join('')]));
  const out = formatter(key).format<string>({ ...mapValues(values, plainValue), ...plain });
  return Array.isArray(out) ? out.join('') : String(out);
}

/** A message as DOM nodes (tags become elements, data values elements marked translate="no"). */
function nodes(message: Message): (string | Node)[] {
  const out = formatter(message.key).format<Node>({ ...mapValues(message.values, nodeValue), ...TAGS });
  return Array.isArray(out) ? out : [out];
}

/** Shows `message` as the content of `target` once (a view that redraws itself after a switch of language). */
export function render(target: Element, message: Message): void {
  target.replaceChildren(...nodes(message));
}

/** What each element shown through {@link show} or {@link showAttribute} shows, to redraw it. */
const bound = new Map<Element, { content?: Message; attributes: Map<string, Message> }>();

function binding(target: Element): { content?: Message; attributes: Map<string, Message> } {
  let b = bound.get(target);
  if (b === undefined) {
    b = { attributes: new Map() };
    bound.set(target, b);
  }
  return b;
}

/**
 * Shows `message` as the content of `target`, an element of the page, and again in the new
 * language after a switch. (Views that build their own elements redraw them on
 * {@link onLocaleChange} instead.)
 */
export function show(target: Element, message: Message | MessageKey): void {
  const m = typeof message === 'string' ? { key: message } : message;
  binding(target).content = m;
  target.replaceChildren(...nodes(m));
}

/** Sets attribute `name` of `target` (title, placeholder, aria-label) to `message`, and keeps it translated. */
export function showAttribute(target: Element, name: string, message: Message | MessageKey): void {
  const m = typeof message === 'string' ? { key: message } : message;
  binding(target).attributes.set(name, m);
  target.setAttribute(name, text(m));
}

/** Forgets what `target` showed (its content is set otherwise from now on). */
export function unbind(target: Element): void {
  const b = bound.get(target);
  if (b !== undefined) delete b.content;
}

/** Attributes of the page's HTML that name a message: data-i18n for the content, data-i18n-NAME for attribute NAME. */
const ATTRIBUTES = ['placeholder', 'title', 'aria-label'] as const;

/** Binds the elements of `root` that carry data-i18n attributes to their messages (the page's static text). */
export function translatePage(root: ParentNode = document): void {
  for (const target of root.querySelectorAll<HTMLElement>('[data-i18n]')) show(target, target.dataset.i18n as MessageKey);
  for (const name of ATTRIBUTES) {
    for (const target of root.querySelectorAll(`[data-i18n-${name}]`)) {
      showAttribute(target, name, target.getAttribute(`data-i18n-${name}`) as MessageKey);
    }
  }
  document.documentElement.lang = current;
  document.title = text('page.title');
}

/** Redraws every bound text in the current locale; elements no longer on the page are forgotten. */
function redraw(): void {
  for (const [target, b] of bound) {
    if (!target.isConnected) {
      bound.delete(target);
      continue;
    }
    if (b.content !== undefined) target.replaceChildren(...nodes(b.content));
    for (const [name, m] of b.attributes) target.setAttribute(name, text(m));
  }
  document.title = text('page.title');
}

/** Number formats of the locale, by fraction digits (made once: a view may format a thousand numbers a frame). */
const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${current} ${JSON.stringify(options)}`;
  let format = numberFormats.get(id);
  if (format === undefined) {
    format = new Intl.NumberFormat(current, options);
    numberFormats.set(id, format);
  }
  return format;
}

/** `value` with exactly `digits` decimals, in the locale's way (1,234.50). */
export function formatDecimal(value: number, digits: number): string {
  return numberFormat({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** A fraction as a percentage in the locale's way (0.86 → 86%). */
export function formatPercent(fraction: number): string {
  return numberFormat({ style: 'percent', maximumFractionDigits: 0 }).format(fraction);
}

/** `value` rounded to a whole number, with the locale's grouping (12,345). */
export function formatCount(value: number): string {
  return numberFormat({ maximumFractionDigits: 0 }).format(Math.round(value));
}
