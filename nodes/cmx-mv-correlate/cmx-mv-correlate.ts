/**
 * cmx-mv-correlate: observations and activities in (one wire, single or as arrays); output 1 a
 * correlation per activity (with `msg.rows` for correlation.csv), output 2 the analytics summary
 * (on request, and by itself when it changed: src/lib/correlate-run SummaryCadence). Serves the
 * summary at GET /analytics/summary (src/red/route), rebuilds it after a restart from the CSV files
 * (src/lib/replay replayInto), and learns zone labels and camera names through a meraki-api
 * config node (src/lib/labels). The logic is src/lib/correlate's Correlator.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from 'node-red';
import { correlationRows, Correlator } from '../../src/lib/correlate';
import { correlateSetup, CorrelateSettings, feedCorrelator, SummaryCadence } from '../../src/lib/correlate-run';
import { compact } from '../../src/lib/format';
import { LabelLearner } from '../../src/lib/labels';
import { replayInto } from '../../src/lib/replay';
import { dataPath, envText, failConfig } from '../../src/red/config';
import { merakiApi } from '../../src/red/meraki-api-node';
import { failMessage } from '../../src/red/report';
import { Routes, serveJson } from '../../src/red/route';
import { ThrottledStatus } from '../../src/red/status';

type CorrelateDef = NodeDef & CorrelateSettings & {
  serveSummary: boolean;
  replayCmx: string;
  replayMv: string;
  replayCorrelation: string;
  /** optional meraki-api config: zone labels and camera names */
  api?: string;
};

export = function (RED: NodeAPI): void {
  const summaryRoute = new Routes(RED, { methods: ['get'] });

  function CmxMvCorrelateNode(this: Node, config: CorrelateDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let correlator: Correlator;
    let cadence: SummaryCadence;
    try {
      // (CAMERA_APS of the supplied flow: an unset variable means every AP for every camera)
      const setup = correlateSetup({ ...config, cameraAps: envText(RED, node, config.cameraAps), labels: envText(RED, node, config.labels) });
      correlator = new Correlator(setup.options);
      cadence = new SummaryCadence(correlator, setup.summaryIntervalMs);
    } catch (err) {
      failConfig(node, RED._('cmx-mv-correlate.errors.config', { reason: (err as Error).message }), RED._('cmx-mv-correlate.status.config'));
      return;
    }

    let correlations = 0;
    let replaying = false;
    let apiTrouble: NodeStatus | null = null;
    const status = new ThrottledStatus(node, () => {
      if (replaying) return { fill: 'yellow', shape: 'ring', text: RED._('cmx-mv-correlate.status.replaying') };
      if (apiTrouble) return apiTrouble;
      const s = correlator.sizes;
      const text = RED._('cmx-mv-correlate.status.counts', { devices: compact(s.devices), correlations: compact(correlations), pending: s.pending });
      return { fill: s.pending > 0 ? 'blue' : 'green', shape: 'dot', text };
    }, 1000);

    const summaryError = (err: Error): void => node.error(RED._('cmx-mv-correlate.errors.summary', { reason: err.message }));
    const sendSettled = (send: (m: (NodeMessage | null)[]) => void): void => {
      const ready = correlator.settle(Date.now());
      correlations += ready.length;
      for (const c of ready) send([{ topic: `${c.activity.serial}/${c.activity.zone}`, payload: c, rows: correlationRows(c) }, null]);
    };
    const api = merakiApi(RED, config.api);
    api?.register(node, (s) => {
      apiTrouble = s.fill === 'red' || s.fill === 'yellow' ? s : null;
      status.touch();
    });
    const labels = new LabelLearner({
      source: () => api?.client ?? null,
      onLearnt: (entries) => correlator.learnLabels(entries),
      onError: (serial, err) => node.warn(RED._('cmx-mv-correlate.errors.labels', { serial, reason: err.message })),
    });

    node.on('input', (msg, send, done) => {
      if (msg.topic === 'summary' || msg.payload === 'summary') {
        msg.payload = cadence.take(Date.now());
        send([null, msg]);
        done();
        return;
      }
      const problems = feedCorrelator(correlator, msg.payload, Date.now(), (a) => labels.learn(a.serial));
      sendSettled(send);
      status.touch();
      if (problems.length) failMessage(node, msg, done, RED._('cmx-mv-correlate.errors.invalid', { n: problems.length, reason: problems[0] }));
      else done();
    });

    // Once a second: settle by wall clock, drop what left the window, emit the summary if it changed.
    const timer = setInterval(() => {
      try {
        sendSettled((m) => node.send(m));
        const due = cadence.takeIfDue(Date.now());
        if (due) node.send([null, { topic: 'summary', payload: due }]);
        status.touch();
      } catch (err) {
        summaryError(err as Error);
      }
    }, 1000);
    timer.unref?.();

    if (config.serveSummary !== false) {
      const claim = summaryRoute.claim(node, '/analytics/summary', { get: serveJson('summary', () => correlator.summary(Date.now()), summaryError) }, undefined);
      if (!claim.ok) node.warn(RED._('cmx-mv-correlate.errors.summaryTaken', { other: claim.owner.id }));
    }

    // Rebuild the window from the CSV files after a restart.
    let closed = false;
    const replay = async (): Promise<void> => {
      const files = { mv: dataPath(RED, node, config.replayMv), cmx: dataPath(RED, node, config.replayCmx), correlation: dataPath(RED, node, config.replayCorrelation) };
      if (!files.mv && !files.cmx && !files.correlation) return;
      replaying = true;
      status.touch();
      const since = Date.now() - correlator.options.windowHours * 3_600_000;
      node.log(RED._('cmx-mv-correlate.log.replayed', { ...(await replayInto(correlator, files, since, { onActivity: (a) => labels.learn(a.serial), stopped: () => closed })) }));
    };
    replay()
      .catch((err: Error) => node.error(RED._('cmx-mv-correlate.errors.replay', { reason: err.message })))
      .finally(() => {
        replaying = false;
        status.touch();
      });

    node.on('close', (done: () => void) => {
      closed = true;
      clearInterval(timer);
      status.stop();
      api?.deregister(node);
      done();
    });
  }

  RED.nodes.registerType('cmx-mv-correlate', CmxMvCorrelateNode);
};
