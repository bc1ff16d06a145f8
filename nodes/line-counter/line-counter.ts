/**
 * line-counter: MV line crossings (from mv-sense-parse) in → output 1 each counted crossing with its
 * area's occupancy and its crossings.csv row, output 2 the entrances summary (every 10 s when it
 * changed, and on request), also served at GET /analytics/entrances. Rebuilt from crossings.csv
 * after a restart; with a meraki-api configuration, line names and the hours missed while Node-RED
 * was down come from the Dashboard API. Thin adapter around src/lib/line-counter (+ crossing,
 * config-maps, line-sync, replay).
 */
import * as path from 'path';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { NextFunction, Request, Response } from 'express';
import { parseAreas } from '../../src/lib/config-maps';
import { type Crossing, crossingFromRow, crossingInput, crossingRow } from '../../src/lib/crossing';
import { expandEnv } from '../../src/lib/env';
import { compact } from '../../src/lib/format';
import { LineCounter, lineCounterOptions } from '../../src/lib/line-counter';
import { LineSync } from '../../src/lib/line-sync';
import { readCsvSince } from '../../src/lib/replay';
import { isoUtc } from '../../src/lib/time';
import { isTimeZone } from '../../src/lib/tz';
import type { MerakiApiNode } from '../../src/red/meraki-api-node';
import { reportError } from '../../src/red/report';
import { ThrottledStatus } from '../../src/red/status';

interface LineCounterDef extends NodeDef {
  objectType: string;
  windowHours: string;
  resetAt: string;
  timezone: string;
  areas: string;
  summaryIntervalS: string;
  serveEntrances: boolean;
  replayCrossings: string;
  /** optional meraki-api config: line names and missed hours */
  api?: string;
  orgId?: string;
}

const ENTRANCES_PATH = '/analytics/entrances';
/** Messages held while crossings.csv is read back (then taken in order). */
const MAX_HELD = 10_000;
/** How often the Dashboard API is looked at for new lines and hours. */
const SYNC_EVERY_MS = 60_000;

/** A setting that is still `${NAME}` (the variable is not set) means "use the default". */
const setting = (v: unknown): string => {
  const text = typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v).trim();
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(text) ? '' : text;
};

export = function (RED: NodeAPI): void {
  let entrancesOwner: { node: Node; summary: () => unknown } | null = null;
  const httpNode = (RED as unknown as { httpNode?: { get: Function } }).httpNode;
  if (httpNode) {
    httpNode.get(ENTRANCES_PATH, (_req: Request, res: Response, next: NextFunction) => {
      if (!entrancesOwner) return next();
      try {
        res.setHeader('Cache-Control', 'no-store');
        res.status(200).json(entrancesOwner.summary());
      } catch (err) {
        entrancesOwner.node.error(RED._('line-counter.errors.summary', { reason: (err as Error).message }));
        res.status(503).json({ error: 'entrances not available' });
      }
    });
  }

  function LineCounterNode(this: Node, config: LineCounterDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let counter: LineCounter;
    let intervalMs: number;
    try {
      const tz = setting(config.timezone);
      if (tz && !isTimeZone(tz)) throw new Error(RED._('line-counter.errors.timezone', { tz }));
      const settings = lineCounterOptions({ objectType: setting(config.objectType), windowHours: setting(config.windowHours), resetAt: setting(config.resetAt) });
      counter = new LineCounter({ ...settings, timeZone: tz || undefined, areas: parseAreas(setting(config.areas)) }, Date.now());
      const every = setting(config.summaryIntervalS) === '' ? 10 : Number(config.summaryIntervalS);
      if (!Number.isFinite(every) || every < 0) throw new Error(RED._('line-counter.errors.interval'));
      intervalMs = every * 1000;
    } catch (err) {
      node.error(RED._('line-counter.errors.config', { reason: (err as Error).message }));
      node.status({ fill: 'red', shape: 'ring', text: RED._('line-counter.status.config') });
      node.on('input', (_msg, _send, done) => done());
      return;
    }

    const startedAt = Date.now();
    let replaying = true;
    let closed = false;
    let lastEmit = 0;
    let emittedVersion = -1;
    const c = counter.counters;
    const status = new ThrottledStatus(node, () => {
      if (replaying) return { fill: 'yellow', shape: 'ring', text: RED._('line-counter.status.replaying') };
      return c.refused > 0
        ? { fill: 'yellow', shape: 'dot', text: RED._('line-counter.status.refused', { counted: compact(c.counted), refused: compact(c.refused) }) }
        : { fill: 'green', shape: 'dot', text: RED._('line-counter.status.counts', { counted: compact(c.counted) }) };
    }, 1000);

    // Line names and missed hours from the Dashboard API.
    const api = config.api ? (RED.nodes.getNode(config.api) as MerakiApiNode | null) : null;
    const warned = new Map<string, string>();
    const sync = api?.client
      ? new LineSync(api.client, counter, startedAt, {
          orgId: setting(config.orgId),
          log: (text) => node.log(RED._('line-counter.log.api', { text })),
          fail: (step, err) => {
            // once per step and reason, not every ten minutes
            if (warned.get(step) === err.message) return;
            warned.set(step, err.message);
            node.warn(RED._('line-counter.errors.api', { step, reason: err.message }));
          },
        })
      : null;
    if (config.api && !api?.client) node.warn(RED._('line-counter.errors.noApi', { reason: api?.problem ?? RED._('line-counter.errors.apiMissing') }));
    let knownSerials = counter.serials().length;
    const poke = (): void => {
      if (sync && !replaying) void sync.poke().then(() => status.touch());
    };

    const summaryMsg = (): NodeMessage => ({ topic: 'entrances', payload: counter.summary(Date.now()) });

    /** Output 1: one message per counted crossing. */
    const crossingMsg = (msg: NodeMessage, x: Crossing, areas: ReturnType<LineCounter['areasOf']>): NodeMessage => {
      const out = msg as NodeMessage & Record<string, unknown>;
      out.topic = areas.length ? areas[0].name : `${x.serial}/${x.boundaryId}`;
      out.payload = areas.length ? areas[0].occupancy : null;
      out.crossing = { ...x, time: isoUtc(x.ts) };
      out.areas = areas;
      out.rows = [crossingRow(x)];
      return out;
    };

    const take = (msg: NodeMessage, send: (m: (NodeMessage | null)[]) => void, done: (err?: Error) => void): void => {
      const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      const now = Date.now();
      const problems: string[] = [];
      const counted: [Crossing, ReturnType<LineCounter['areasOf']>][] = [];
      for (const p of items) {
        const x = crossingInput(p);
        if (x === null) continue; // another MV kind (counts, light, ...): not for this node
        if (typeof x === 'string') {
          problems.push(x);
          continue;
        }
        const r = counter.add(x, now);
        if (r.status === 'counted') counted.push([x, r.areas]);
        else if (r.status === 'refused') problems.push(r.reason);
      }
      if (problems.length) reportError(node, RED._('line-counter.errors.invalid', { n: problems.length, reason: problems[0] }), msg);
      counted.forEach(([x, areas], i) => {
        // the message itself for a single crossing; a copy for each crossing of an array
        const base = i === 0 && items.length === 1 ? msg : RED.util.cloneMessage({ _msgid: msg._msgid, topic: msg.topic } as NodeMessage);
        send([crossingMsg(base, x, areas), null]);
      });
      if (counter.serials().length !== knownSerials) {
        knownSerials = counter.serials().length;
        poke();
      }
      status.touch();
      done();
    };

    const held: { msg: NodeMessage; send: (m: (NodeMessage | null)[]) => void; done: (err?: Error) => void }[] = [];
    node.on('input', (msg, send, done) => {
      if (msg.topic === 'entrances' || msg.topic === 'summary' || msg.payload === 'entrances' || msg.payload === 'summary') {
        msg.topic = 'entrances';
        msg.payload = counter.summary(Date.now());
        emittedVersion = counter.version;
        lastEmit = Date.now();
        send([null, msg]);
        done();
        return;
      }
      if (replaying) {
        if (held.length >= MAX_HELD) {
          reportError(node, RED._('line-counter.errors.busy', { max: MAX_HELD }), msg);
          done();
          return;
        }
        held.push({ msg, send, done });
        return;
      }
      take(msg, send, done);
    });

    // Once a second: the daily reset, the summary when it changed; the Dashboard API now and then.
    let lastSync = 0;
    const timer = setInterval(() => {
      try {
        const now = Date.now();
        counter.rollover(now);
        if (!replaying && counter.version !== emittedVersion && now - lastEmit >= intervalMs) {
          emittedVersion = counter.version;
          lastEmit = now;
          node.send([null, summaryMsg()]);
        }
        if (now - lastSync >= SYNC_EVERY_MS) {
          lastSync = now;
          poke();
        }
        status.touch();
      } catch (err) {
        node.error(RED._('line-counter.errors.summary', { reason: (err as Error).message }));
      }
    }, 1000);
    timer.unref?.();

    const owner = { node, summary: () => counter.summary(Date.now()) };
    if (config.serveEntrances !== false) {
      if (entrancesOwner && entrancesOwner.node !== node) node.warn(RED._('line-counter.errors.entrancesTaken', { other: entrancesOwner.node.id }));
      else entrancesOwner = owner;
    }

    // Rebuild the figures from crossings.csv after a restart.
    const replay = async (): Promise<void> => {
      const raw = setting(config.replayCrossings);
      if (!raw) return;
      const base = (RED.settings as unknown as { fileWorkingDirectory?: string }).fileWorkingDirectory || process.cwd();
      const file = path.resolve(base, expandEnv(raw, (name) => RED.util.getSetting(node, name)));
      const now = Date.now();
      let rows = 0;
      await readCsvSince(file, 'time', Math.min(counter.windowStart(now), counter.lastResetAt), (row) => {
        const x = crossingFromRow(row);
        if (x && !closed && counter.add(x, now, true).status === 'counted') rows += 1;
      });
      node.log(RED._('line-counter.log.replayed', { rows, lines: counter.lineCount }));
    };
    replay()
      .catch((err: Error) => node.error(RED._('line-counter.errors.replay', { reason: err.message })))
      .finally(() => {
        replaying = false;
        knownSerials = counter.serials().length;
        for (const h of held.splice(0)) take(h.msg, h.send, h.done);
        if (!closed) {
          lastSync = Date.now();
          poke();
        }
        status.touch();
      });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(timer);
      sync?.stop();
      status.stop();
      for (const h of held.splice(0)) h.done();
      if (entrancesOwner === owner) entrancesOwner = null;
      done();
    });
  }

  RED.nodes.registerType('line-counter', LineCounterNode);
};
