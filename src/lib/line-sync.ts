/**
 * line-counter's use of the Dashboard API (SPEC section 4): the organisation (configured, or found
 * from a camera: GET /devices/{serial} → network → organisation), the names of the lines drawn on
 * each camera (boundaries/lines/byDevice), and the hours missed while Node-RED was down
 * (detections/history/byBoundary/byInterval), merged so that no hour is counted twice
 * (LineCounter.mergeHistory). One piece of work at a time; after a failure the step waits
 * `retryMs` before it is tried again. Every call goes through the client's shared rate limiter.
 * Framework-free.
 */
import type { LineCounter } from './line-counter';
import type { MerakiClient } from './meraki-api';
import { isoUtc } from './time';

export type LinesApi = Pick<MerakiClient, 'organizationOfDevice' | 'getLinesByDevice' | 'getBoundaryHistory'>;

export interface LineSyncOptions {
  /** the organisation id; empty: found from the first camera */
  orgId?: string;
  /** wait after a failure (default 10 minutes) */
  retryMs?: number;
  /** an hour is asked for this long after it ended (default 2 minutes) */
  lagMs?: number;
  /** boundary ids per history request (default 50) */
  idsPerRequest?: number;
  now?: () => number;
  /** what happened, for the log */
  log?: (text: string) => void;
  /** a failed step, for a warning */
  fail?: (step: 'organisation' | 'lines' | 'history', err: Error) => void;
}

export class LineSync {
  private org: string | null;
  private readonly looked = new Set<string>();
  private retryAt = { organisation: 0, lines: 0, history: 0 };
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly now: () => number;
  /** hours merged from the API so far (line × hour) */
  filled = 0;

  constructor(
    private readonly api: LinesApi,
    private readonly counter: LineCounter,
    /** when this run began counting: earlier hours are asked of the API */
    private readonly observedFrom: number,
    private readonly options: LineSyncOptions = {},
  ) {
    this.org = options.orgId && options.orgId.trim() ? options.orgId.trim() : null;
    this.now = options.now ?? Date.now;
  }

  get organisation(): string | null {
    return this.org;
  }

  /** Does whatever is due (at once if idle); resolves when that is done. Never rejects. */
  poke(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.work().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
  }

  private due(step: keyof LineSync['retryAt']): boolean {
    return !this.stopped && this.now() >= this.retryAt[step];
  }

  private failed(step: keyof LineSync['retryAt'], err: Error): void {
    this.retryAt[step] = this.now() + (this.options.retryMs ?? 10 * 60_000);
    if (!this.stopped) this.options.fail?.(step, err);
  }

  private async work(): Promise<void> {
    const serials = this.counter.serials();
    if (serials.length === 0) return;
    if (this.org === null) {
      if (!this.due('organisation')) return;
      try {
        this.org = await this.api.organizationOfDevice(serials[0]);
        this.options.log?.(`organisation ${this.org} (from camera ${serials[0]})`);
      } catch (err) {
        this.failed('organisation', err as Error);
        return;
      }
    }
    const org = this.org;
    const fresh = serials.filter((s) => !this.looked.has(s));
    if (fresh.length && this.due('lines')) {
      try {
        const lines = await this.api.getLinesByDevice(org, fresh);
        if (this.stopped) return;
        for (const serial of fresh) {
          this.counter.learnLines(serial, lines.filter((l) => l.serial.toUpperCase() === serial).map((l) => ({ id: l.id, name: l.name })));
          this.looked.add(serial);
        }
      } catch (err) {
        this.failed('lines', err as Error);
      }
    }
    if (!this.due('history')) return;
    const req = this.counter.historyWanted(this.now(), this.observedFrom, this.options.lagMs ?? 2 * 60_000);
    if (!req) return;
    const type = this.counter.settings.objectType;
    const per = this.options.idsPerRequest ?? 50;
    try {
      const intervals = [];
      for (let i = 0; i < req.boundaryIds.length; i += per) {
        const got = await this.api.getBoundaryHistory(org, {
          boundaryIds: req.boundaryIds.slice(i, i + per),
          ranges: req.ranges.map((r) => ({ startTime: isoUtc(r.start).replace('.000Z', 'Z'), endTime: isoUtc(r.end).replace('.000Z', 'Z') })),
          boundaryTypes: type === 'both' ? ['person', 'vehicle'] : [type],
        });
        for (const x of got) intervals.push(x); // (not push(...got): a long answer would overflow the stack)
      }
      if (this.stopped) return;
      this.counter.mergeHistory(req, intervals, this.now());
      this.filled += req.keys.length * req.buckets.length;
      this.options.log?.(`${req.buckets.length} hour(s) of ${req.keys.length} line(s) from the Dashboard API (${intervals.length} intervals)`);
    } catch (err) {
      this.failed('history', err as Error);
    }
  }
}
