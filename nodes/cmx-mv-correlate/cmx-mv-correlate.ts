/**
 * cmx-mv-correlate: observations and activities in (one wire, single or as arrays); output 1 a
 * correlation per activity once it settles (with `msg.rows` for correlation.csv), output 2 the
 * analytics summary, also served at GET /analytics/summary. The figures are src/lib/correlate's
 * Correlator, rebuilt after a restart from the CSV files (src/lib/replay replayInto; messages go on
 * meanwhile); zone labels and camera names come through a meraki-api config node
 * (src/lib/labels). Requests, the summary's cadence, the route, the replay and the status:
 * src/red/figures.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { Correlator } from '../../src/lib/correlate';
import { correlateSetup, CorrelateSettings, correlationMessage, feedCorrelator } from '../../src/lib/correlate-run';
import { compact } from '../../src/lib/format';
import { LabelLearner } from '../../src/lib/labels';
import { replayInto } from '../../src/lib/replay';
import { dataPath, envText, fromSettings } from '../../src/red/config';
import { runFigures, Send } from '../../src/red/figures';
import { merakiApi } from '../../src/red/meraki-api-node';
import { Routes } from '../../src/red/route';

type CorrelateDef = NodeDef & CorrelateSettings & {
  serveSummary: boolean;
  replayCmx: string;
  replayMv: string;
  replayCorrelation: string;
  /** optional meraki-api config: zone labels and camera names */
  api?: string;
};

export = function (RED: NodeAPI): void {
  const route = new Routes(RED, { methods: ['get'] });

  function CmxMvCorrelateNode(this: Node, config: CorrelateDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    // (CAMERA_APS of the supplied flow: an unset variable means every AP for every camera)
    const setup = fromSettings(RED, node, 'cmx-mv-correlate', () =>
      correlateSetup({ ...config, cameraAps: envText(RED, node, config.cameraAps), labels: envText(RED, node, config.labels) }),
    );
    if (!setup) return;
    const correlator = new Correlator(setup.options);
    const api = merakiApi(RED, config.api);
    const labels = new LabelLearner({
      source: () => api?.client ?? null,
      onLearnt: (entries) => correlator.learnLabels(entries),
      onError: (serial, err) => node.warn(RED._('cmx-mv-correlate.errors.labels', { serial, reason: err.message })),
    });

    let correlations = 0;
    const sendSettled = (send: Send): void => {
      const ready = correlator.settle(Date.now());
      correlations += ready.length;
      for (const c of ready) send([correlationMessage(c), null]);
    };
    const files = { mv: dataPath(RED, node, config.replayMv), cmx: dataPath(RED, node, config.replayCmx), correlation: dataPath(RED, node, config.replayCorrelation) };

    runFigures(RED, node, {
      type: 'cmx-mv-correlate',
      name: 'summary',
      figures: correlator,
      summaryIntervalMs: setup.summaryIntervalMs,
      route: config.serveSummary !== false ? route : null,
      api,
      status: () => {
        const s = correlator.sizes;
        const text = RED._('cmx-mv-correlate.status.counts', { devices: compact(s.devices), correlations: compact(correlations), pending: s.pending });
        return { fill: s.pending > 0 ? 'blue' : 'green', shape: 'dot', text };
      },
      take: (msg, send) => {
        const problems = feedCorrelator(correlator, msg.payload, Date.now(), (a) => labels.learn(a.serial));
        sendSettled(send);
        return problems;
      },
      // settle by wall clock, drop what left the window
      tick: () => sendSettled((m) => node.send(m)),
      replay:
        files.mv || files.cmx || files.correlation
          ? (stopped) => {
              const since = Date.now() - correlator.options.windowHours * 3_600_000;
              return replayInto(correlator, files, since, { onActivity: (a) => labels.learn(a.serial), stopped });
            }
          : null,
    });
  }

  RED.nodes.registerType('cmx-mv-correlate', CmxMvCorrelateNode);
};
