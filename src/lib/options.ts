/**
 * Number settings typed by a user (editor fields, environment variables), checked by one rule set.
 *
 *   numberOption(name, raw, rule)     one value: empty, missing or null → rule.default; anything
 *                                     else must be a finite number within [min, max] (and whole
 *                                     when rule.integer), or it throws a readable error naming it.
 *   numberOptions(input, defaults, limits)   the same for every key of `defaults`, into a fresh
 *                                     object (the input is not changed).
 *   numberSettings(input, rules)      the same for every key of `rules` (rules with their defaults).
 *   numberOr(raw, rule)               the lenient form for settings that always fell back to their
 *                                     default: a bad value gives the default instead of an error.
 *
 * Framework-free; src/red/config.ts re-exports it for the node adapters.
 */

export interface NumberRule {
  default: number;
  /** smallest allowed value (inclusive) */
  min?: number;
  /** values must be above this (exclusive); for "a positive number" */
  above?: number;
  /** largest allowed value (inclusive) */
  max?: number;
  /** added to the "at most" error, e.g. "31 days" */
  maxNote?: string;
  /** only whole numbers */
  integer?: boolean;
}

/** True when the user left the setting empty (it takes its default). */
export function isUnset(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

/** A number or numeric text → the number; anything else → NaN. */
function toNumber(raw: unknown): number {
  return typeof raw === 'number' || typeof raw === 'string' ? Number(raw) : NaN;
}

/** Why `n` breaks `rule`, or null when it does not. */
function problem(name: string, n: number, rule: NumberRule): string | null {
  const kind = rule.integer ? 'a whole number' : 'a number';
  if (!Number.isFinite(n)) return rule.min !== undefined ? `${name} must be ${kind} ≥ ${rule.min}` : `${name} must be ${kind}`;
  if (rule.min !== undefined && n < rule.min) return `${name} must be ${kind} ≥ ${rule.min}`;
  if (rule.above !== undefined && n <= rule.above) return `${name} must be ${kind} > ${rule.above}`;
  if (rule.integer && !Number.isInteger(n)) return rule.min !== undefined ? `${name} must be ${kind} ≥ ${rule.min}` : `${name} must be ${kind}`;
  if (rule.max !== undefined && n > rule.max) return `${name} must be at most ${rule.max}${rule.maxNote ? ` (${rule.maxNote})` : ''}`;
  return null;
}

/** What is wrong with one setting, in the words numberOption throws; null when fine or unset. */
export function numberProblem(name: string, raw: unknown, rule: Omit<NumberRule, 'default'>): string | null {
  return isUnset(raw) ? null : problem(name, toNumber(raw), { ...rule, default: 0 });
}

/** One setting: the default when unset, else the checked number; throws naming `name`. */
export function numberOption(name: string, raw: unknown, rule: NumberRule): number {
  if (isUnset(raw)) return rule.default;
  const n = toNumber(raw);
  const why = problem(name, n, rule);
  if (why) throw new Error(why);
  return n;
}

export type Limits = Omit<NumberRule, 'default'>;

/** Every key of `rules` from `input`, each checked against its rule; throws at the first bad one. */
export function numberSettings<K extends string>(input: Partial<Record<K, unknown>>, rules: Readonly<Record<K, NumberRule>>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(rules) as K[]) out[key] = numberOption(key, input[key], rules[key]);
  return out;
}

/** Every key of `defaults` from `input`, checked against `limits`; throws at the first bad one. */
export function numberOptions<K extends string>(
  input: Partial<Record<K, unknown>>,
  defaults: Readonly<Record<K, number>>,
  limits: Readonly<Record<K, Limits>>,
): Record<K, number> {
  const rules = {} as Record<K, NumberRule>;
  for (const key of Object.keys(defaults) as K[]) rules[key] = { ...limits[key], default: defaults[key] };
  return numberSettings(input, rules);
}

/** Lenient: the checked number, or the default when unset or invalid (never throws). */
export function numberOr(raw: unknown, rule: NumberRule): number {
  if (isUnset(raw)) return rule.default;
  const n = toNumber(raw);
  return problem('', n, rule) === null ? n : rule.default;
}
