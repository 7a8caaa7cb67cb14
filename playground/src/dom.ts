/** Small DOM helpers for the page. */

/** The element with `id`, of the expected type. @throws Error when the page lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string, type?: new () => T): T {
  const element = document.getElementById(id);
  if (element === null || (type !== undefined && !(element instanceof type))) throw new Error(`the page lacks #${id}`);
  return element as T;
}

/** Shows `message` in an alert element, or hides it when `message` is undefined. */
export function setMessage(element: HTMLElement, message: string | undefined): void {
  element.hidden = message === undefined;
  element.textContent = message ?? '';
}
