/**
 * line-counter (palette: entrances): MV line crossings (from mv-sense-parse) in → output 1 each
 * counted crossing with its area's occupancy and its crossings.csv row, output 2 the entrances
 * summary (on request, and by itself when it changed: SummaryCadence), also served at
 * GET /analytics/entrances (src/red/route). Rebuilt from crossings.csv after a restart (messages
 * that arrive meanwhile wait); with a meraki-api configuration, line names and the hours missed
 * while Node-RED was down come from the Dashboard API (src/lib/line-sync). The logic is
 * src/lib/line-counter's LineCounter.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from 'node-red';
import { crossingFromRow, crossingRow } from '../../src/lib/crossing';
import { SummaryCadence } from '../../src/lib/correlate-run';
import { compact } from '../../src/lib/format';
import { AreaView, EntrancesSummary, feedLineCounter, LineCounter, LineCounterNodeSettings, lineCounterSetup } from '../../src/lib/line-counter';
import { LineSync } from '../../src/lib/line-sync';
import { readCsvSince } from '../../src/lib/replay';
import { isoUtc } from '../../src/lib/time';
import { dataPath, envText, failConfig } from '../../src/red/config';
import { merakiApi } from '../../src/red/meraki-api-node';
import { Done, failMessage } from '../../src/red/report';
import { Routes, serveJson } from '../../src/red/route';
import { ThrottledStatus } from '../../src/red/status';

type LineCounterDef = NodeDef & LineCounterNodeSettings & {
  serveEntrances: boolean;
  replayCrossings: string;
  /** optional meraki-api config: line names and missed hours */
  api?: string;
};

type Send = (m: (NodeMessage | null)[]) => void;

/** Messages held while crossings.csv is read back (then taken in order). */
const MAX_HELD = 10_000;
/** How often the Dashboard API is looked at for new lines and hours. */
const SYNC_EVERY_MS = 60_000;

export = function (RED: NodeAPI): void {
  const entrancesRoute = new Routes(RED, { methods: ['get'] });

  function LineCounterNode(this: Node, config: LineCounterDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let counter: LineCounter;
    let cadence: SummaryCadence<EntrancesSummary>;
    let orgId: string;
    try {
      const setup = lineCounterSetup({ ...config, areas: envText(RED, node, config.areas), orgId: envText(RED, node, config.orgId) }, Date.now());
      counter = setup.counter;
      orgId = setup.orgId;
      cadence = new SummaryCadence(counter, setup.summaryIntervalMs);
    } catch (err) {
      failConfig(node, RED._('line-counter.errors.config', { reason: (err as Error).message }), RED._('line-counter.status.config'));
      return;
    }

    const startedAt = Date.now();
    let replaying = true;
    let closed = false;
    let apiTrouble: NodeStatus | null = null;
    const c = counter.counters;
    const status = new ThrottledStatus(node, () => {
      if (replaying) return { fill: 'yellow', shape: 'ring', text: RED._('line-counter.status.replaying') };
      if (apiTrouble) return apiTrouble;
      return c.refused > 0
        ? { fill: 'yellow', shape: 'dot', text: RED._('line-counter.status.refused', { counted: compact(c.counted), refused: compact(c.refused) }) }
        : { fill: 'green', shape: 'dot', text: RED._('line-counter.status.counts', { counted: compact(c.counted) }) };
    }, 1000);
    const summaryError = (err: Error): void => node.error(RED._('line-counter.errors.summary', { reason: err.message }));

    // Line names and missed hours from the Dashboard API, through the config node's client and limiter.
    const api = merakiApi(RED, config.api);
    api?.register(node, (s) => {
      apiTrouble = s.fill === 'red' || s.fill === 'yellow' ? s : null;
      status.touch();
    });
    const warned = new Map<string, string>();
    const sync = api?.client
      ? new LineSync(api.client, counter, startedAt, {
          orgId,
          log: (text) => node.log(RED._('line-counter.log.api', { text })),
          fail: (step, err) => {
            if (warned.get(step) === err.message) return; // once per step and reason, not every ten minutes
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

    /** Output 1 for a counted crossing: its area's occupancy as the payload (for a gauge), the crossing, its areas, its row. */
    const crossingMsg = (base: NodeMessage, x: { crossing: Parameters<typeof crossingRow>[0]; areas: AreaView[] }): NodeMessage => {
      const out = base as NodeMessage & Record<string, unknown>;
      const first = x.areas[0];
      out.topic = first ? first.name : `${x.crossing.serial}/${x.crossing.boundaryId}`;
      out.payload = first ? first.occupancy : null;
      out.crossing = { ...x.crossing, time: isoUtc(x.crossing.ts) };
      out.areas = x.areas;
      out.rows = [crossingRow(x.crossing)];
      return out;
    };

    const take = (msg: NodeMessage, send: Send, done: Done): void => {
      const single = !Array.isArray(msg.payload);
      const { counted, problems } = feedLineCounter(counter, msg.payload, Date.now());
      // the message itself for a single crossing; a new one for each crossing of an array
      counted.forEach((x) => send([crossingMsg(single ? msg : { _msgid: msg._msgid }, x), null]));
      if (counted.length || problems.length) {
        if (counter.serials().length !== knownSerials) {
          knownSerials = counter.serials().length;
          poke();
        }
        status.touch();
      }
      if (problems.length) failMessage(node, msg, done, RED._('line-counter.errors.invalid', { n: problems.length, reason: problems[0] }));
      else done();
    };

    const held: { msg: NodeMessage; send: Send; done: Done }[] = [];
    node.on('input', (msg, send, done) => {
      if (msg.topic === 'entrances' || msg.payload === 'entrances') {
        msg.topic = 'entrances';
        msg.payload = cadence.take(Date.now());
        send([null, msg]);
        done();
      } else if (!replaying) {
        take(msg, send, done);
      } else if (held.length < MAX_HELD) {
        held.push({ msg, send, done });
      } else {
        failMessage(node, msg, done, RED._('line-counter.errors.busy', { max: MAX_HELD }));
      }
    });

    // Once a second: the daily reset, the summary when it changed; the Dashboard API now and then.
    let lastSync = 0;
    const timer = setInterval(() => {
      try {
        const now = Date.now();
        counter.rollover(now);
        const due = replaying ? null : cadence.takeIfDue(now);
        if (due) node.send([null, { topic: 'entrances', payload: due }]);
        if (now - lastSync >= SYNC_EVERY_MS) {
          lastSync = now;
          poke();
        }
        status.touch();
      } catch (err) {
        summaryError(err as Error);
      }
    }, 1000);
    timer.unref?.();

    if (config.serveEntrances !== false) {
      const claim = entrancesRoute.claim(node, '/analytics/entrances', { get: serveJson('entrances', () => counter.summary(Date.now()), summaryError) }, undefined);
      if (!claim.ok) node.warn(RED._('line-counter.errors.entrancesTaken', { other: claim.owner.id }));
    }

    // Rebuild the figures from crossings.csv after a restart: the window and the time since the last reset.
    const replay = async (): Promise<void> => {
      const file = dataPath(RED, node, config.replayCrossings);
      if (!file) return;
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

    node.on('close', (done: () => void) => {
      closed = true;
      clearInterval(timer);
      sync?.stop();
      status.stop();
      for (const h of held.splice(0)) h.done();
      api?.deregister(node);
      done();
    });
  }

  RED.nodes.registerType('line-counter', LineCounterNode);
};
