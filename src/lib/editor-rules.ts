/**
 * The checks of our nodes' settings that the editor runs: the very functions the runtime runs, so
 * that the editor refuses exactly what a deployed node would refuse, and says why. scripts/build.js
 * bundles this module and the modules it imports (none may need Node.js) into
 * resources/editor-rules.js, which each node's editor file loads as `window.MerakiAnalyticsRules`:
 *
 *   validate: MerakiAnalyticsRules.validator('cmx-mv-correlate', 'timezone')
 *
 * A check returns what is wrong, in words, or null. Empty values are the defaults, and valid.
 */
import { ACTIVITY_LIMITS, MAX_KEYS } from './activity';
import { parseAreas, parseCameraAps, parseLabels } from './config-maps';
import { parseTimeOfDay } from './daily-reset';
import { CORRELATE_LIMITS, MAX_DEVICES } from './correlate';
import { SUMMARY_INTERVAL } from './summary-cadence';
import { LINE_COUNTER_LIMITS } from './line-counter-settings';
import { API_SETTINGS } from './meraki-api';
import { numberProblem, NumberRule } from './options';
import { MAX_BODY_MB, MAX_PENDING_MB, observationFilter, receiverPath } from './receiver-settings';
import { SNAPSHOT_SETTINGS } from './snapshot';
import { futureToleranceMs } from './time';
import { timeZoneProblem } from './tz';
import { dashboardVersion, WIDGET_LIMITS } from './widget-settings';

export type Check = (value: unknown) => string | null;

/** A check from a function that throws what is wrong. */
function throws(fn: (value: unknown) => unknown): Check {
  return (value) => {
    try {
      fn(value);
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };
}

function numbers(rules: Readonly<Record<string, Omit<NumberRule, 'default'>>>): Record<string, Check> {
  const out: Record<string, Check> = {};
  for (const [key, rule] of Object.entries(rules)) out[key] = (value) => numberProblem(key, value, rule);
  return out;
}

/** node type → setting → check */
export const CHECKS: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  'activity-detector': { ...numbers({ ...ACTIVITY_LIMITS, maxKeys: MAX_KEYS }), futureToleranceS: throws(futureToleranceMs) },
  'cmx-mv-correlate': {
    ...numbers({ ...CORRELATE_LIMITS, summaryIntervalS: SUMMARY_INTERVAL, maxDevices: MAX_DEVICES }),
    timezone: timeZoneProblem,
    cameraAps: throws(parseCameraAps),
    labels: throws(parseLabels),
  },
  'cmx-receiver': {
    path: (value) => (receiverPath(value) === null ? 'a path of letters, digits and . _ ~ - / only, e.g. /cmx' : null),
    minRssi: throws((value) => observationFilter({ minRssi: value })),
    apMacs: throws((value) => observationFilter({ apMacs: value })),
    ...numbers({ maxBodyMB: MAX_BODY_MB, maxPendingMB: MAX_PENDING_MB }),
    futureToleranceS: throws(futureToleranceMs),
  },
  'mv-sense-parse': { futureToleranceS: throws(futureToleranceMs) },
  'line-counter': {
    ...numbers(LINE_COUNTER_LIMITS),
    resetAt: throws(parseTimeOfDay),
    timezone: timeZoneProblem,
    areas: throws(parseAreas),
  },
  'mv-snapshot': numbers(SNAPSHOT_SETTINGS),
  'meraki-api': numbers(API_SETTINGS),
  'analytics-widgets': { dashboard: throws(dashboardVersion), ...numbers(WIDGET_LIMITS) },
};

/** What is wrong with a setting of a node, or null. */
export function check(type: string, key: string, value: unknown): string | null {
  const fn = CHECKS[type]?.[key];
  if (!fn) throw new Error(`no check for ${type}.${key}`);
  return fn(value);
}

/** A Node-RED editor validator: true, or the text saying what is wrong (shown since Node-RED 3.1). */
export function validator(type: string, key: string): (value: unknown, opt?: unknown) => true | string {
  check(type, key, ''); // fails at once for a setting without a check
  // (two parameters: the editor then takes a returned text as the reason)
  return function (value: unknown, _opt?: unknown): true | string {
    return check(type, key, value) ?? true;
  };
}
