/**
 * line-counter's settings and their checks, free of Node.js modules: the editor checks them with
 * this same code (src/lib/editor-rules.ts).
 */
import { parseTimeOfDay } from './daily-reset';
import { isUnset, numberOption } from './options';
import { SUMMARY_INTERVAL } from './summary-cadence';

export type ObjectTypeChoice = 'person' | 'vehicle' | 'both';

export const LINE_COUNTER_DEFAULTS = Object.freeze({ objectType: 'person' as ObjectTypeChoice, windowHours: 24, resetAt: '04:00' });

export interface LineCounterSettings {
  objectType: ObjectTypeChoice;
  windowHours: number;
  /** `HH:MM` local */
  resetAt: string;
}

/** The number settings' limits. */
export const LINE_COUNTER_LIMITS = Object.freeze({
  windowHours: { min: 1, max: 744, maxNote: '31 days', integer: true },
  summaryIntervalS: SUMMARY_INTERVAL,
});

/** Validates settings typed in the editor (throws readable errors) and fills defaults. */
export function lineCounterOptions(input: Partial<Record<keyof LineCounterSettings, unknown>> = {}): LineCounterSettings {
  const out: LineCounterSettings = { ...LINE_COUNTER_DEFAULTS };
  if (!isUnset(input.objectType)) {
    if (input.objectType !== 'person' && input.objectType !== 'vehicle' && input.objectType !== 'both') throw new Error('objectType must be person, vehicle or both');
    out.objectType = input.objectType;
  }
  out.windowHours = numberOption('windowHours', input.windowHours, { default: LINE_COUNTER_DEFAULTS.windowHours, ...LINE_COUNTER_LIMITS.windowHours });
  if (!isUnset(input.resetAt)) {
    parseTimeOfDay(input.resetAt);
    out.resetAt = String(input.resetAt).trim();
  }
  return out;
}
