/**
 * Allow-lists typed by users in the editor: `*` (or nothing) means everything, otherwise a list
 * separated by commas, semicolons, spaces or new lines. Matching ignores case.
 */

export interface ListFilter {
  /** true when every value passes */
  readonly all: boolean;
  /** the listed values, upper-cased */
  readonly values: ReadonlySet<string>;
  test(value: string): boolean;
}

export function splitList(text: unknown): string[] {
  if (Array.isArray(text)) return text.map((v) => String(v).trim()).filter((v) => v !== '');
  if (typeof text !== 'string') return [];
  return text.split(/[\s,;]+/).map((v) => v.trim()).filter((v) => v !== '');
}

export function listFilter(text: unknown): ListFilter {
  const items = splitList(text);
  const all = items.length === 0 || items.includes('*');
  const values = new Set(items.map((v) => v.toUpperCase()));
  return {
    all,
    values,
    test: all ? () => true : (value: string) => values.has(value.toUpperCase()),
  };
}
