/** Model settings: defaults completed by the options a caller gave. */

/** `defaults` with every option that is defined and names one of its keys (other keys are dropped). */
export function withDefaults<T extends object>(defaults: T, options: Partial<T>): T {
  const given = Object.entries(options).filter(([k, v]) => v !== undefined && k in defaults);
  return { ...defaults, ...Object.fromEntries(given) };
}
