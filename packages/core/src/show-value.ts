/** How validation messages print a value the caller gave: numbers as they are (NaN), anything else as JSON ("3" keeps its quotes). */
export function showValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `a function${value.name === '' ? '' : ` ${value.name}`}`;
  if (typeof value === 'symbol') return String(value);
  if (ArrayBuffer.isView(value)) return Object.prototype.toString.call(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text;
  } catch {
    return Object.prototype.toString.call(value); // a cycle
  }
}
