/**
 * `${NAME}` references in settings. Node-RED itself replaces a property that is exactly `${NAME}`
 * when the variable is set, and leaves it as it is when not; inside a longer text (a file path)
 * it replaces nothing. So our nodes replace every reference themselves, and an unset variable of
 * the supplied application takes its default (SPEC section 5), so the flow needs no launcher.
 */

/** The variables the supplied flow and the examples reference in our nodes, with their defaults. */
export const ENV_DEFAULTS: Readonly<Record<string, { value: string; meaning: string }>> = Object.freeze({
  DATA_DIR: { value: 'data', meaning: "a folder in Node-RED's user directory" },
  CAMERA_APS: { value: '', meaning: 'every access point counts for every camera' },
  MERAKI_API_BASE: { value: 'https://api.meraki.com/api/v1', meaning: 'the Dashboard API' },
  MERAKI_API_KEY: { value: '', meaning: 'no snapshots, footage links or names from the Dashboard API' },
  CMX_VALIDATOR: { value: '', meaning: 'Meraki cannot validate the Scanning API receiver' },
  CMX_SECRET: { value: '', meaning: 'every Scanning API post is refused' },
  LINE_AREAS: { value: '', meaning: 'every line is its own area' },
});

/**
 * Replaces every `${NAME}`. A variable that is not set (or empty) takes its ENV_DEFAULTS value
 * and `onDefault(name)` is called; one without a default throws, naming it.
 */
export function expandEnv(
  text: string,
  lookup: (name: string) => unknown,
  onDefault: (name: string) => void = () => undefined,
): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const value = lookup(name);
    if (value !== undefined && value !== null && value !== '') return String(value);
    const fallback = Object.prototype.hasOwnProperty.call(ENV_DEFAULTS, name) ? ENV_DEFAULTS[name] : undefined;
    if (!fallback) throw new Error(`environment variable ${name} is not set`);
    onDefault(name);
    return fallback.value;
  });
}

/** What the log says once when an unset variable takes its default. */
export function defaultNotice(name: string): string {
  const d = ENV_DEFAULTS[name];
  return `environment variable ${name} is not set: using ${d.value === '' ? 'none' : `"${d.value}"`} (${d.meaning})`;
}
