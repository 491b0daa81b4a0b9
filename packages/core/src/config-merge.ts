/**
 * Merging a partial config over frozen defaults, as every `Partial<…Config>` argument of the library is merged: a key
 * the defaults do not have is an error (a misspelt field given from plain JavaScript, `{ temprature: 0.5 }`, would
 * otherwise be ignored and the run would silently use the default), and a key given as `undefined` keeps the default
 * (as `??` would), so `{ eps: options.eps }` with no `options.eps` is the default and never `undefined`.
 */

/**
 * Throws a TypeError naming `source` and the first own key of `partial` that is not one of `fields` (the field names,
 * or an object whose own keys they are, e.g. the defaults); `partial` must be a plain object (or undefined).
 */
export function checkConfigFields(partial: unknown, fields: object | readonly string[], source: string): void {
  if (partial === undefined) return;
  const names = Array.isArray(fields) ? (fields as readonly string[]) : Object.keys(fields);
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new TypeError(`${source}: the config must be an object of fields ${names.join(', ')}; got ${JSON.stringify(partial)}`);
  }
  for (const key of Object.keys(partial)) {
    if (!names.includes(key)) throw new TypeError(`${source}: unknown field "${key}"; expected only ${names.join(', ')}`);
  }
}

/** `{ ...defaults, ...partial }` without the keys `partial` gives as `undefined`, after {@link checkConfigFields}. */
export function mergeConfig<T extends object>(defaults: Readonly<T>, partial: Partial<T> | undefined, source: string): T {
  checkConfigFields(partial, defaults, source);
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(partial ?? {})) {
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}
