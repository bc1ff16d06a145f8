/**
 * Running a Correlator in a node: its settings checked, its input fed, its summary's cadence.
 * Framework-free.
 *
 *   correlateSetup(settings)   editor settings (text) → Correlator options and the summary interval;
 *                              throws a readable error (number options, max devices, time zone,
 *                              camera APs, labels).
 *   feedCorrelator(c, payload, now, onActivity)   one payload or an array of them: observations and
 *                              activities are added (onActivity sees each activity); returns why
 *                              the other items were dropped.
 *   SummaryCadence             take(now): the summary, sent on request; takeIfDue(now): the summary
 *                              when the figures changed (Correlator.version) and at least the
 *                              interval passed since the last one went out, else null.
 */
import { parseCameraAps, parseLabels } from './config-maps';
import { ActivityInput, classifyInput, correlateOptions, CORRELATE_DEFAULTS, CorrelateOptions, Correlator, maxDevices, Summary } from './correlate';
import { numberOption, NumberRule } from './options';
import { timeZoneProblem } from './tz';

export type CorrelateSettings = Partial<Record<keyof typeof CORRELATE_DEFAULTS | 'timezone' | 'cameraAps' | 'labels' | 'summaryIntervalS' | 'maxDevices', unknown>>;

export interface CorrelateSetup {
  options: CorrelateOptions;
  summaryIntervalMs: number;
}

/** Default seconds between two summaries sent by themselves. */
export const SUMMARY_INTERVAL_S = 10;
/** The summary interval setting, in seconds (0: on every change). */
export const SUMMARY_INTERVAL: Readonly<NumberRule> = Object.freeze({ default: SUMMARY_INTERVAL_S, min: 0 });

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
  const every = numberOption('summaryIntervalS', settings.summaryIntervalS, SUMMARY_INTERVAL);
  return { options, summaryIntervalMs: every * 1000 };
}

/** Adds what the payload holds; returns the reasons for the items dropped (empty when none). */
export function feedCorrelator(correlator: Correlator, payload: unknown, now: number, onActivity: (a: ActivityInput) => void): string[] {
  const problems: string[] = [];
  for (const p of Array.isArray(payload) ? payload : [payload]) {
    const item = classifyInput(p);
    if (!item.ok) problems.push(item.reason);
    else if (item.kind === 'observation') correlator.addObservation(item.value);
    else {
      correlator.addActivity(item.value, now);
      onActivity(item.value);
    }
  }
  return problems;
}

/** Anything with a version that moves on every change and a summary (Correlator, LineCounter). */
export interface Summarised<S> {
  readonly version: number;
  summary(now: number): S;
}

export class SummaryCadence<S = Summary> {
  private sentVersion = -1;
  private lastSent = 0;

  constructor(
    private readonly correlator: Summarised<S>,
    private readonly intervalMs: number,
  ) {}

  /** The summary at `now`, counted as sent (a request, or a due one). */
  take(now: number): S {
    this.sentVersion = this.correlator.version;
    this.lastSent = now;
    return this.correlator.summary(now);
  }

  /** The summary when the figures moved since the last one and the interval has passed; else null. */
  takeIfDue(now: number): S | null {
    return this.correlator.version !== this.sentVersion && now - this.lastSent >= this.intervalMs ? this.take(now) : null;
  }
}
