/**
 * When a node's summary goes out by itself: on request at once, else when its figures changed
 * (a `version` that moves on every change) and at least the summary interval passed since the last
 * one. One rule for cmx-mv-correlate and line-counter. Framework-free.
 *
 *   summaryIntervalMs(raw)   the `summaryIntervalS` setting (seconds, default 10, 0: on every
 *                            change) in ms; throws a readable error.
 *   SummaryCadence           take(now): the summary, counted as sent; takeIfDue(now): the summary
 *                            when due, else null.
 */
import { numberOption, NumberRule } from './options';

/** Default seconds between two summaries sent by themselves. */
export const SUMMARY_INTERVAL_S = 10;
/** The summary interval setting, in seconds (0: on every change). */
export const SUMMARY_INTERVAL: Readonly<NumberRule> = Object.freeze({ default: SUMMARY_INTERVAL_S, min: 0 });

export function summaryIntervalMs(raw: unknown): number {
  return numberOption('summaryIntervalS', raw, SUMMARY_INTERVAL) * 1000;
}

/** Anything with a version that moves on every change and a summary (Correlator, LineCounter). */
export interface Summarised<S> {
  readonly version: number;
  summary(now: number): S;
}

export class SummaryCadence<S> {
  private sentVersion = -1;
  private lastSent = 0;

  constructor(
    private readonly figures: Summarised<S>,
    private readonly intervalMs: number,
  ) {}

  /** The summary at `now`, counted as sent (a request, or a due one). */
  take(now: number): S {
    this.sentVersion = this.figures.version;
    this.lastSent = now;
    return this.figures.summary(now);
  }

  /** The summary when the figures moved since the last one and the interval has passed; else null. */
  takeIfDue(now: number): S | null {
    return this.figures.version !== this.sentVersion && now - this.lastSent >= this.intervalMs ? this.take(now) : null;
  }
}
