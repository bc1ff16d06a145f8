/**
 * Camera snapshots: ask the Dashboard API for one at a time, then poll its URL until the image is
 * there (the URL answers 404 for a few seconds first), optionally keeping the image as a data URI
 * so it still shows after the URL expires. And a bounded store of the latest snapshots per zone.
 * Framework-free.
 */
import { ApiError, MerakiClient } from './meraki-api';
import type { NumberRule } from './options';
import { isoUtc } from './time';
import { failed, ok, Result } from './result';

/** The mv-snapshot node's number settings: how long to wait for an image (s), snapshots kept per zone. */
export const SNAPSHOT_SETTINGS: Readonly<Record<'timeoutS' | 'keep', NumberRule>> = Object.freeze({
  timeoutS: { default: 30, above: 0 },
  keep: { default: 6, min: 1, max: 50 },
});

export interface SnapshotResult {
  serial: string;
  zone: string | null;
  ts: number;
  time: string;
  url: string;
  expiry: string | null;
  videoLink: string | null;
  /** data:image/...;base64,... when asked for */
  image?: string;
}

export interface SnapshotOptions {
  /** give up after this long (default 30 s) */
  timeoutMs?: number;
  withImage?: boolean;
  /** larger images are not inlined (default 2 MB) */
  maxImageBytes?: number;
  /** also fetch the footage link for that time */
  videoLink?: boolean;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** stop waiting (node closing) */
  signal?: AbortSignal;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function takeSnapshot(client: MerakiClient, serial: string, zone: string | null, ts: number, options: SnapshotOptions = {}): Promise<SnapshotResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const sleep = options.sleep ?? defaultSleep;
  const fetchImpl = options.fetch ?? fetch;
  const time = isoUtc(ts);
  const deadline = Date.now() + timeoutMs;
  const snap = await client.generateSnapshot(serial, time);
  const footage = options.videoLink === false ? Promise.resolve(null) : client.videoLink(serial, time).catch(() => null);

  let delay = 500;
  for (;;) {
    if (options.signal?.aborted) throw new ApiError('stopped', 'network');
    let res: Response | null = null;
    try {
      res = await fetchImpl(snap.url, { signal: AbortSignal.timeout(Math.max(1000, Math.min(10_000, deadline - Date.now()))) });
    } catch {
      res = null; // not reachable yet: retry like a 404
    }
    if (res && res.ok) {
      const result: SnapshotResult = { serial, zone, ts, time, url: snap.url, expiry: snap.expiry, videoLink: await footage };
      if (options.withImage) {
        const type = (res.headers.get('content-type') ?? 'image/jpeg').split(';')[0].trim();
        const buf = Buffer.from(await res.arrayBuffer());
        if (/^image\/[a-z0-9.+-]+$/i.test(type) && buf.length <= (options.maxImageBytes ?? 2 * 1024 * 1024)) {
          result.image = `data:${type};base64,${buf.toString('base64')}`;
        }
      } else {
        await res.body?.cancel().catch(() => undefined);
      }
      // stopped (node closing) while the image or the footage link was on its way: no result
      if (options.signal?.aborted) throw new ApiError('stopped', 'network');
      return result;
    }
    if (res) await res.arrayBuffer().catch(() => undefined);
    if (res && res.status !== 404 && res.status !== 403 && res.status < 500) {
      throw new ApiError(`snapshot image: HTTP ${res.status}`, 'http', res.status);
    }
    if (Date.now() + delay > deadline) {
      throw new ApiError(`snapshot of ${serial} at ${time} not ready after ${Math.round(timeoutMs / 1000)} s`, 'timeout');
    }
    await sleep(delay);
    delay = Math.min(Math.round(delay * 1.5), 5000);
  }
}

/** The latest snapshots of each zone (newest first), bounded in zones and per zone. */
export class SnapshotStore {
  private readonly zones = new Map<string, SnapshotResult[]>();

  constructor(
    readonly perZone = 6,
    readonly maxZones = 100,
  ) {}

  add(s: SnapshotResult): void {
    const key = `${s.serial}/${s.zone ?? '0'}`;
    const list = this.zones.get(key) ?? [];
    this.zones.delete(key); // re-insert: most recently used last
    let i = 0;
    while (i < list.length && list[i].ts > s.ts) i++;
    list.splice(i, 0, s);
    if (list.length > this.perZone) list.length = this.perZone;
    this.zones.set(key, list);
    while (this.zones.size > this.maxZones) this.zones.delete(this.zones.keys().next().value as string);
  }

  /**
   * "serial/zone" → snapshots newest first; images only on the newest of each zone (the others
   * show by URL), so that the message stays small.
   */
  recent(): Record<string, SnapshotResult[]> {
    const out: Record<string, SnapshotResult[]> = {};
    for (const [key, list] of this.zones) {
      out[key] = list.map((s, i) => {
        if (i === 0 || s.image === undefined) return s;
        const { image: _image, ...rest } = s;
        return rest;
      });
    }
    return out;
  }
}

export interface SnapshotTarget {
  serial: string;
  zone: string | null;
  ts: number;
}

/** An activity → a time inside it (the middle); or {serial, ts}. */
export function snapshotTarget(p: unknown): Result<SnapshotTarget> {
  if (typeof p !== 'object' || p === null) return failed('payload must be an activity or {serial, ts}');
  const o = p as Record<string, unknown>;
  if (typeof o.serial !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(o.serial)) return failed('payload.serial must be a camera serial');
  const zone = o.zone === undefined || o.zone === null ? null : String(o.zone);
  if (typeof o.ts === 'number' && Number.isFinite(o.ts)) return ok({ serial: o.serial, zone, ts: Math.round(o.ts) });
  if (typeof o.tsIn === 'number' && typeof o.tsOut === 'number' && Number.isFinite(o.tsIn) && Number.isFinite(o.tsOut)) {
    return ok({ serial: o.serial, zone, ts: Math.round((o.tsIn + o.tsOut) / 2) });
  }
  return failed('payload needs ts, or tsIn and tsOut (epoch ms)');
}
