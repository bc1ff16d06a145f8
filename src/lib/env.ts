/**
 * `${NAME}` references inside a longer text (Node-RED substitutes only whole-property `${NAME}`).
 */

/** Replaces every `${NAME}`; throws naming the first variable that is not set (or is empty). */
export function expandEnv(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const value = lookup(name);
    if (value === undefined || value === null || value === '') {
      throw new Error(`environment variable ${name} is not set`);
    }
    return String(value);
  });
}

/**
 * A whole-property `${NAME}` that Node-RED left as it was (it does so when NAME is not set) means
 * the setting was left empty: '' for it, the value itself otherwise.
 */
export function unlessUnsetVariable(value: unknown): unknown {
  return typeof value === 'string' && /^\s*\$\{[A-Za-z_][A-Za-z0-9_]*\}\s*$/.test(value) ? '' : value;
}
