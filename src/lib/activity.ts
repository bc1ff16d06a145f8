/**
 * The activity state machine of SPEC section 4: live people counts per (serial, zone) → activities.
 * One independent state per key; message time drives everything except the idle close, which
 * uses the wall clock given to `sweep()`. Pure: no timers, no I/O.
 */
import { MAX_COUNT } from './mv-sense';
import { Limits, numberOption, numberOptions, NumberRule } from './options';
import { failed, ok, Ok, Result } from './result';
import { checkTime, futureToleranceMs, isoUtc } from './time';

export interface ActivityOptions {
  /** people that start an activity (≥ 1) */
  peopleThreshold: number;
  /** messages an activity needs, trigger and closing zeros included */
  minMessages: number;
  /** peak people an activity needs */
  minPeak: number;
  /** consecutive zero messages that close an activity */
  timeoutMessages: number;
  /** message-time pause after a close before a new activity may start */
  pauseSeconds: number;
  /** wall-clock seconds without a message after which an active key is closed */
  idleSeconds: number;
}

/** Bounds on what the detector keeps (not SPEC options: see the constructor). */
export interface DetectorLimits {
  /** seconds a message time may be ahead of the wall clock (default 300); later ones are refused */
  futureToleranceS?: unknown;
  /** (serial, zone) keys kept at most (default 10,000, ~440 bytes each); a message of a new key beyond it is refused */
  maxKeys?: unknown;
}

/** The maxKeys setting: (serial, zone) keys kept at most. */
export const MAX_KEYS: Readonly<NumberRule> = Object.freeze({ default: 10_000, min: 1, integer: true });
/** A key without a message for idleSeconds × this (wall clock) is forgotten. */
export const FORGET_AFTER_IDLE = 10;

export const ACTIVITY_DEFAULTS: Readonly<ActivityOptions> = Object.freeze({
  peopleThreshold: 1,
  minMessages: 50,
  minPeak: 1,
  timeoutMessages: 20,
  pauseSeconds: 5,
  idleSeconds: 120,
});

export interface CountInput {
  serial: string;
  zone: string;
  ts: number;
  people: number;
}

export interface Activity {
  serial: string;
  zone: string;
  tsIn: number;
  tsOut: number;
  timeIn: string;
  timeOut: string;
  durationS: number;
  peakPeople: number;
  messages: number;
}

export type DismissReason = 'too few messages' | 'peak too low';

export interface Dismissed extends Activity {
  reason: DismissReason;
}

export type Closed =
  | { kind: 'activity'; activity: Activity; closedBy: 'zeros' | 'idle' }
  | { kind: 'dismissed'; activity: Dismissed; closedBy: 'zeros' | 'idle' };

/**
 * 'dropped': late or duplicate ts; 'refused': ts more than futureToleranceS ahead of the wall
 * clock; 'full': a new key while maxKeys keys are kept.
 */
export type PushResult = 'accepted' | 'dropped' | 'refused' | 'full' | Closed;

interface KeyState {
  serial: string;
  zone: string;
  lastTs: number;
  /** a new activity may start only at ts > pauseUntil */
  pauseUntil: number;
  active: boolean;
  tsIn: number;
  peak: number;
  messages: number;
  zeroRun: number;
  firstZeroTs: number;
  /** wall clock of the last accepted message */
  lastWall: number;
}

export interface DetectorCounters {
  active: number;
  activities: number;
  dismissed: number;
  dropped: number;
}

export const ACTIVITY_LIMITS: Readonly<Record<keyof ActivityOptions, Limits>> = Object.freeze({
  peopleThreshold: { min: 1 },
  minMessages: { min: 1, integer: true },
  minPeak: { min: 0 },
  timeoutMessages: { min: 1, integer: true },
  pauseSeconds: { min: 0 },
  idleSeconds: { min: 0.001 },
});

/** Checks user-supplied options and fills defaults; throws a readable error when out of range. */
export function activityOptions(input: Partial<Record<keyof ActivityOptions, unknown>> = {}): ActivityOptions {
  return numberOptions(input, ACTIVITY_DEFAULTS, ACTIVITY_LIMITS);
}

export class ActivityDetector {
  /** serial → zone → state (nested maps: no key string built per message) */
  private readonly states = new Map<string, Map<string, KeyState>>();
  private keyCount = 0;
  private readonly opts: ActivityOptions;
  readonly counters: DetectorCounters = { active: 0, activities: 0, dismissed: 0, dropped: 0 };
  /** messages refused: ts more than futureToleranceS ahead of the wall clock */
  refused = 0;
  /** messages of new keys refused while maxKeys keys were kept */
  overCap = 0;
  /** keys forgotten after idleSeconds × FORGET_AFTER_IDLE without a message */
  forgotten = 0;
  readonly maxKeys: number;
  private readonly toleranceMs: number;
  private nextForget = -Infinity;

  /**
   * Options are checked by activityOptions(), limits here (both throw readable errors on bad
   * values); missing ones get defaults.
   */
  constructor(options: Partial<ActivityOptions> = {}, limits: DetectorLimits = {}) {
    this.opts = activityOptions(options);
    this.toleranceMs = futureToleranceMs(limits.futureToleranceS);
    this.maxKeys = numberOption('maxKeys', limits.maxKeys, MAX_KEYS);
  }

  get options(): Readonly<ActivityOptions> {
    return this.opts;
  }

  /**
   * Feeds one count message. Returns 'dropped' for an out-of-order or duplicate ts, the closed
   * activity (emitted or dismissed) when this message closes one, else 'accepted'.
   */
  push(input: CountInput, wallNow: number): PushResult {
    // A time far ahead would make every later message of the key look late (and end an activity
    // in the future): refused before it can touch the key. Only this bound here: message time may
    // start anywhere (the SPEC's vectors start at 0); mv-sense-parse also refuses times before 2015.
    if (checkTime(input.ts, wallNow, this.toleranceMs, false) === 'future') {
      this.refused += 1;
      return 'refused';
    }
    let zones = this.states.get(input.serial);
    if (zones === undefined) {
      zones = new Map();
      this.states.set(input.serial, zones);
    }
    let s = zones.get(input.zone);
    if (s === undefined) {
      if (this.keyCount >= this.maxKeys) {
        if (zones.size === 0) this.states.delete(input.serial);
        this.overCap += 1;
        return 'full';
      }
      s = {
        serial: input.serial,
        zone: input.zone,
        lastTs: -Infinity,
        pauseUntil: -Infinity,
        active: false,
        tsIn: 0,
        peak: 0,
        messages: 0,
        zeroRun: 0,
        firstZeroTs: 0,
        lastWall: wallNow,
      };
      zones.set(input.zone, s);
      this.keyCount += 1;
    }
    const { ts, people } = input;
    if (!(ts > s.lastTs)) {
      this.counters.dropped += 1;
      return 'dropped';
    }
    s.lastTs = ts;
    s.lastWall = wallNow;

    if (!s.active) {
      if (people >= this.opts.peopleThreshold && ts > s.pauseUntil) {
        s.active = true;
        s.tsIn = ts;
        s.peak = people;
        s.messages = 1;
        s.zeroRun = 0;
        this.counters.active += 1;
      }
      return 'accepted';
    }

    s.messages += 1;
    if (people > s.peak) s.peak = people;
    if (people === 0) {
      if (s.zeroRun === 0) s.firstZeroTs = ts;
      s.zeroRun += 1;
      if (s.zeroRun >= this.opts.timeoutMessages) return this.close(s, s.firstZeroTs, ts, 'zeros');
    } else {
      s.zeroRun = 0;
    }
    return 'accepted';
  }

  /**
   * Closes every active key that has had no message for idleSeconds of wall clock; forgets the
   * keys that have had none for idleSeconds × FORGET_AFTER_IDLE (looked for at most 10 times in
   * that period), so that keys of cameras and zones that went away do not pile up.
   */
  sweep(wallNow: number): Closed[] {
    const closed: Closed[] = [];
    const forgetMs = this.opts.idleSeconds * 1000 * FORGET_AFTER_IDLE;
    const forget = wallNow >= this.nextForget;
    if (this.counters.active === 0 && !forget) return closed;
    if (forget) this.nextForget = wallNow + Math.min(60_000, forgetMs / 10);
    const limit = this.opts.idleSeconds * 1000;
    for (const [serial, zones] of this.states) {
      for (const [zone, s] of zones) {
        if (s.active && wallNow - s.lastWall >= limit) {
          const tsOut = s.zeroRun > 0 ? s.firstZeroTs : s.lastTs;
          closed.push(this.close(s, tsOut, s.lastTs, 'idle'));
        }
        if (forget && !s.active && wallNow - s.lastWall >= forgetMs) {
          zones.delete(zone);
          this.keyCount -= 1;
          this.forgotten += 1;
        }
      }
      if (zones.size === 0) this.states.delete(serial);
    }
    return closed;
  }

  /** Number of (serial, zone) keys known. */
  get keys(): number {
    return this.keyCount;
  }

  /** Whether the key is known (not yet seen, or forgotten: false). */
  has(serial: string, zone: string): boolean {
    return this.states.get(serial)?.has(zone) ?? false;
  }

  private close(s: KeyState, tsOut: number, closingTs: number, closedBy: 'zeros' | 'idle'): Closed {
    const activity: Activity = {
      serial: s.serial,
      zone: s.zone,
      tsIn: s.tsIn,
      tsOut,
      timeIn: isoUtc(s.tsIn),
      timeOut: isoUtc(tsOut),
      durationS: (tsOut - s.tsIn) / 1000,
      peakPeople: s.peak,
      messages: s.messages,
    };
    s.active = false;
    s.zeroRun = 0;
    s.messages = 0;
    s.pauseUntil = closingTs + this.opts.pauseSeconds * 1000;
    this.counters.active -= 1;
    if (activity.messages < this.opts.minMessages) {
      this.counters.dismissed += 1;
      return { kind: 'dismissed', activity: { ...activity, reason: 'too few messages' }, closedBy };
    }
    if (activity.peakPeople < this.opts.minPeak) {
      this.counters.dismissed += 1;
      return { kind: 'dismissed', activity: { ...activity, reason: 'peak too low' }, closedBy };
    }
    this.counters.activities += 1;
    return { kind: 'activity', activity, closedBy };
  }
}

/** The outcome of countInput() for what is not a count (another kind, people not reported). */
const NOT_A_COUNT: Ok<null> = Object.freeze({ ok: true, value: null });

/**
 * A counts payload (from mv-sense-parse) → detector input: the payload itself when its zone is
 * already text (nothing is allocated per message), else a copy with the zone as text; the value
 * null = not a count (another kind, or people not reported: ignored). The payload is not changed.
 */
export function countInput(p: unknown): Result<CountInput | null> {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return failed('payload must be a counts object');
  const o = p as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== 'counts') return NOT_A_COUNT;
  if (o.people === null) return NOT_A_COUNT; // camera did not report people
  if (typeof o.serial !== 'string' || o.serial === '') return failed('payload.serial must be a non-empty string');
  if (typeof o.zone !== 'string' && typeof o.zone !== 'number') return failed('payload.zone must be a string');
  if (o.zone === '') return failed('payload.zone must be a string');
  if (typeof o.ts !== 'number' || !Number.isFinite(o.ts)) return failed('payload.ts must be epoch milliseconds');
  if (typeof o.people !== 'number' || !Number.isFinite(o.people) || o.people < 0) {
    return failed('payload.people must be a non-negative number');
  }
  if (o.people > MAX_COUNT) return failed(`payload.people must be at most ${MAX_COUNT}`);
  return ok((typeof o.zone === 'string' ? o : { ...o, zone: String(o.zone) }) as unknown as CountInput);
}
