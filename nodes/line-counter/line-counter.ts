/**
 * line-counter (palette: entrances): MV line crossings (from mv-sense-parse) in → output 1 each
 * counted crossing with its area's occupancy and its crossings.csv row, output 2 the entrances
 * summary, also served at GET /analytics/entrances. The figures are src/lib/line-counter's
 * LineCounter, rebuilt from crossings.csv after a restart (src/lib/replay replayCrossings: messages
 * that arrive meanwhile wait); with a meraki-api configuration, line names and the hours missed
 * while Node-RED was down come from the Dashboard API (src/lib/line-sync). Requests, the summary's
 * cadence, the route, the replay and the status: src/red/figures.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { compact } from '../../src/lib/format';
import { crossingMessage, feedLineCounter, LineCounterNodeSettings, lineCounterSetup } from '../../src/lib/line-counter';
import { LineSync } from '../../src/lib/line-sync';
import { replayCrossings } from '../../src/lib/replay';
import { dataPath, envText, fromSettings } from '../../src/red/config';
import { runFigures } from '../../src/red/figures';
import { merakiApi } from '../../src/red/meraki-api-node';
import { Routes } from '../../src/red/route';

type LineCounterDef = NodeDef & LineCounterNodeSettings & {
  serveEntrances: boolean;
  replayCrossings: string;
  /** optional meraki-api config: line names and missed hours */
  api?: string;
};

/** Messages held while crossings.csv is read back (then taken in order). */
const MAX_HELD = 10_000;
/** How often the Dashboard API is looked at for new lines and hours. */
const SYNC_EVERY_MS = 60_000;

export = function (RED: NodeAPI): void {
  const route = new Routes(RED, { methods: ['get'] });

  function LineCounterNode(this: Node, config: LineCounterDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const setup = fromSettings(RED, node, 'line-counter', () =>
      lineCounterSetup({ ...config, areas: envText(RED, node, config.areas), orgId: envText(RED, node, config.orgId) }, Date.now()),
    );
    if (!setup) return;
    const { counter } = setup;
    const c = counter.counters;
    const startedAt = Date.now();

    // Line names and missed hours from the Dashboard API, through the config node's client and limiter.
    const api = merakiApi(RED, config.api);
    const warned = new Map<string, string>();
    const sync = api?.client
      ? new LineSync(api.client, counter, startedAt, {
          orgId: setup.orgId,
          log: (text) => node.log(RED._('line-counter.log.api', { text })),
          fail: (step, err) => {
            if (warned.get(step) === err.message) return; // once per step and reason, not every ten minutes
            warned.set(step, err.message);
            node.warn(RED._('line-counter.errors.api', { step, reason: err.message }));
          },
        })
      : null;
    if (config.api && !api?.client) node.warn(RED._('line-counter.errors.noApi', { reason: api?.problem ?? RED._('line-counter.errors.apiMissing') }));
    let knownCameras = counter.cameraCount;
    let lastSync = 0;
    const poke = (): void => {
      if (sync) void sync.poke().then(() => figures.touch());
    };
    const file = dataPath(RED, node, config.replayCrossings);

    const figures = runFigures(RED, node, {
      type: 'line-counter',
      name: 'entrances',
      figures: counter,
      summaryIntervalMs: setup.summaryIntervalMs,
      route: config.serveEntrances !== false ? route : null,
      api,
      holdWhileReplaying: MAX_HELD,
      status: () =>
        c.refused > 0
          ? { fill: 'yellow', shape: 'dot', text: RED._('line-counter.status.refused', { counted: compact(c.counted), refused: compact(c.refused) }) }
          : { fill: 'green', shape: 'dot', text: RED._('line-counter.status.counts', { counted: compact(c.counted) }) },
      take: (msg, send) => {
        const { counted, problems } = feedLineCounter(counter, msg.payload, Date.now());
        // the message itself for a single crossing; a new one for each crossing of an array
        const single = !Array.isArray(msg.payload);
        for (const x of counted) send([Object.assign(single ? msg : { _msgid: msg._msgid }, crossingMessage(x)) as NodeMessage, null]);
        if (counted.length && counter.cameraCount !== knownCameras) {
          knownCameras = counter.cameraCount;
          poke(); // a new camera: its lines and missed hours now
        }
        return problems;
      },
      // the daily reset; the Dashboard API now and then
      tick: (now) => {
        counter.rollover(now);
        if (now - lastSync >= SYNC_EVERY_MS) {
          lastSync = now;
          poke();
        }
      },
      replay: file
        ? async (stopped) => ({ rows: await replayCrossings(counter, file, Date.now(), stopped), lines: counter.lineCount })
        : null,
      replayed: () => {
        knownCameras = counter.cameraCount;
        lastSync = Date.now();
        poke();
      },
      close: () => sync?.stop(),
    });
  }

  RED.nodes.registerType('line-counter', LineCounterNode);
};
