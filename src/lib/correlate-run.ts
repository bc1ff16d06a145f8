/**
 * Running a Correlator in a node: its settings checked, its input fed, its output shaped.
 * Framework-free.
 *
 *   correlateSetup(settings)   editor settings (text) → Correlator options and the summary interval;
 *                              throws a readable error (number options, max devices, time zone,
 *                              camera APs, labels).
 *   feedCorrelator(c, payload, now, onActivity)   one payload or an array of them: observations and
 *                              activities are added (onActivity sees each activity); returns why
 *                              the other items were dropped.
 *   correlationMessage(c)      a settled correlation as output 1 sends it: topic, payload, and its
 *                              correlation.csv rows.
 * (The summary's cadence, SummaryCadence, is src/lib/summary-cadence's, shared with line-counter.)
 */
import { parseCameraAps, parseLabels } from './config-maps';
import { ActivityInput, asObservation, classifyInput, Correlation, correlateOptions, CORRELATE_DEFAULTS, CorrelateOptions, correlationRows, Correlator, maxDevices } from './correlate';
import { summaryIntervalMs } from './summary-cadence';
import { timeZoneProblem } from './tz';

export type CorrelateSettings = Partial<Record<keyof typeof CORRELATE_DEFAULTS | 'timezone' | 'cameraAps' | 'labels' | 'summaryIntervalS' | 'maxDevices', unknown>>;

export interface CorrelateSetup {
  options: CorrelateOptions;
  summaryIntervalMs: number;
}

export function correlateSetup(settings: CorrelateSettings): CorrelateSetup {
  const tz = typeof settings.timezone === 'string' ? settings.timezone.trim() : '';
  const badZone = timeZoneProblem(tz);
  if (badZone) throw new Error(badZone);
  const options: CorrelateOptions = {
    ...correlateOptions(settings),
    timeZone: tz || undefined,
    cameraAps: parseCameraAps(settings.cameraAps),
    labels: parseLabels(settings.labels),
    maxDevices: maxDevices(settings.maxDevices),
  };
  return { options, summaryIntervalMs: summaryIntervalMs(settings.summaryIntervalS) };
}

/** Adds what the payload holds; returns the reasons for the items dropped (empty when none). */
export function feedCorrelator(correlator: Correlator, payload: unknown, now: number, onActivity: (a: ActivityInput) => void): string[] {
  const problems: string[] = [];
  for (const p of Array.isArray(payload) ? payload : [payload]) {
    // observations (nearly every item) without an item object; what is left is an activity or a refusal
    const observation = asObservation(p);
    if (observation !== null) {
      correlator.addObservation(observation);
      continue;
    }
    const item = classifyInput(p);
    if (!item.ok) problems.push(item.reason);
    else if (item.kind === 'activity') {
      correlator.addActivity(item.value, now);
      onActivity(item.value);
    }
  }
  return problems;
}

/** Output 1's message for a settled correlation: its camera/zone as topic, and its correlation.csv rows. */
export function correlationMessage(c: Correlation): { topic: string; payload: Correlation; rows: ReturnType<typeof correlationRows> } {
  return { topic: `${c.activity.serial}/${c.activity.zone}`, payload: c, rows: correlationRows(c) };
}
