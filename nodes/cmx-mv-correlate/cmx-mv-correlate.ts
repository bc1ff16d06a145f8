/**
 * cmx-mv-correlate: observations and activities in (one wire); output 1 a correlation per
 * activity (with `msg.rows` for correlation.csv), output 2 the analytics summary. Serves the
 * summary at GET /analytics/summary and rebuilds it after a restart from the CSV files.
 * Thin adapter around src/lib/correlate (+ replay, config-maps).
 */
import * as path from 'path';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { NextFunction, Request, Response } from 'express';
import { parseCameraAps, parseLabels } from '../../src/lib/config-maps';
import { classifyInput, correlateOptions, Correlation, correlationRows, Correlator } from '../../src/lib/correlate';
import { expandEnv } from '../../src/lib/env';
import { compact } from '../../src/lib/format';
import { activityFromRow, CorrelationRows, observationFromRow, readCsvSince } from '../../src/lib/replay';
import { isTimeZone } from '../../src/lib/tz';
import type { MerakiApiNode } from '../../src/red/meraki-api-node';
import { reportError } from '../../src/red/report';
import { ThrottledStatus } from '../../src/red/status';

interface CorrelateDef extends NodeDef {
  windowS: string;
  rssiThreshold: string;
  waitS: string;
  sessionGapS: string;
  filterDwellS: string;
  windowHours: string;
  maxDevices?: string;
  timezone: string;
  cameraAps: string;
  labels: string;
  summaryIntervalS: string;
  serveSummary: boolean;
  replayCmx: string;
  replayMv: string;
  replayCorrelation: string;
  /** optional meraki-api config: zone labels and camera names */
  api?: string;
}

/** Dashboard API look-ups per camera: done once; a failure is tried again after this long. */
const LABEL_RETRY_MS = 10 * 60_000;

const SUMMARY_PATH = '/analytics/summary';

export = function (RED: NodeAPI): void {
  let summaryOwner: { node: Node; summary: () => unknown } | null = null;
  const httpNode = (RED as unknown as { httpNode?: { get: Function } }).httpNode;
  if (httpNode) {
    httpNode.get(SUMMARY_PATH, (_req: Request, res: Response, next: NextFunction) => {
      if (!summaryOwner) return next();
      try {
        res.setHeader('Cache-Control', 'no-store');
        res.status(200).json(summaryOwner.summary());
      } catch (err) {
        summaryOwner.node.error(RED._('cmx-mv-correlate.errors.summary', { reason: (err as Error).message }));
        res.status(503).json({ error: 'summary not available' });
      }
    });
  }

  function CmxMvCorrelateNode(this: Node, config: CorrelateDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let correlator: Correlator;
    let intervalMs: number;
    try {
      const tz = (config.timezone ?? '').trim();
      if (tz && !isTimeZone(tz)) throw new Error(RED._('cmx-mv-correlate.errors.timezone', { tz }));
      correlator = new Correlator({
        ...correlateOptions(config as unknown as Record<string, unknown>),
        timeZone: tz || undefined,
        cameraAps: parseCameraAps(config.cameraAps),
        labels: parseLabels(config.labels),
        maxDevices: config.maxDevices,
      });
      const every = config.summaryIntervalS === undefined || String(config.summaryIntervalS).trim() === '' ? 10 : Number(config.summaryIntervalS);
      if (!Number.isFinite(every) || every < 0) throw new Error(RED._('cmx-mv-correlate.errors.interval'));
      intervalMs = every * 1000;
    } catch (err) {
      node.error(RED._('cmx-mv-correlate.errors.config', { reason: (err as Error).message }));
      node.status({ fill: 'red', shape: 'ring', text: RED._('cmx-mv-correlate.status.config') });
      node.on('input', (_msg, _send, done) => done());
      return;
    }

    let correlations = 0;
    let replaying = false;
    let lastEmit = 0;
    let emittedVersion = -1;
    const status = new ThrottledStatus(node, () => {
      if (replaying) return { fill: 'yellow', shape: 'ring', text: RED._('cmx-mv-correlate.status.replaying') };
      const s = correlator.sizes;
      return {
        fill: s.pending > 0 ? 'blue' : 'green',
        shape: 'dot',
        text: RED._('cmx-mv-correlate.status.counts', { devices: compact(s.devices), correlations: compact(correlations), pending: s.pending }),
      };
    }, 1000);

    const correlationMsg = (c: Correlation): NodeMessage & { rows: unknown[] } => ({
      topic: `${c.activity.serial}/${c.activity.zone}`,
      payload: c,
      rows: correlationRows(c),
    });

    const sendSettled = (send: (m: (NodeMessage | null)[]) => void): void => {
      const ready = correlator.settle(Date.now());
      if (ready.length === 0) return;
      correlations += ready.length;
      for (const c of ready) send([correlationMsg(c), null]);
      status.touch();
    };

    const summaryMsg = (): NodeMessage => ({ topic: 'summary', payload: correlator.summary(Date.now()) });

    // Zone labels and camera names from the Dashboard API, once per camera.
    const api = config.api ? (RED.nodes.getNode(config.api) as MerakiApiNode | null) : null;
    const lookedUp = new Map<string, number>(); // serial → time of the last attempt (Infinity: done)
    const learn = (serial: string): void => {
      const client = api?.client;
      const key = serial.toUpperCase();
      const last = lookedUp.get(key);
      if (!client || (last !== undefined && Date.now() - last < LABEL_RETRY_MS)) return;
      lookedUp.set(key, Date.now());
      Promise.all([client.getDevice(serial), client.getZones(serial)])
        .then(([device, zones]) => {
          const entries: [string, string][] = [];
          if (device && typeof device.name === 'string' && device.name) entries.push([key, device.name]);
          for (const z of zones) if (z.label) entries.push([`${key}/${z.id}`, z.label]);
          correlator.learnLabels(entries);
          lookedUp.set(key, Infinity);
        })
        .catch((err: Error) => node.warn(RED._('cmx-mv-correlate.errors.labels', { serial, reason: err.message })));
    };

    node.on('input', (msg, send, done) => {
      if (msg.topic === 'summary' || msg.payload === 'summary') {
        msg.payload = correlator.summary(Date.now());
        emittedVersion = correlator.version;
        lastEmit = Date.now();
        send([null, msg]);
        done();
        return;
      }
      const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      const now = Date.now();
      const problems: string[] = [];
      for (const p of items) {
        const item = classifyInput(p);
        if (item.kind === 'observation') correlator.addObservation(item.value);
        else if (item.kind === 'activity') {
          correlator.addActivity(item.value, now);
          learn(item.value.serial);
        }
        else problems.push(item.reason);
      }
      if (problems.length) {
        reportError(node, RED._('cmx-mv-correlate.errors.invalid', { n: problems.length, reason: problems[0] }), msg);
      }
      sendSettled(send);
      status.touch();
      done();
    });

    // Once a second: settle by wall clock, drop what left the window, emit the summary if it changed.
    const timer = setInterval(() => {
      try {
        sendSettled((m) => node.send(m));
        const now = Date.now();
        if (correlator.version !== emittedVersion && now - lastEmit >= intervalMs) {
          emittedVersion = correlator.version;
          lastEmit = now;
          node.send([null, summaryMsg()]);
        }
        status.touch();
      } catch (err) {
        node.error(RED._('cmx-mv-correlate.errors.summary', { reason: (err as Error).message }));
      }
    }, 1000);
    timer.unref?.();

    const owner = { node, summary: () => correlator.summary(Date.now()) };
    if (config.serveSummary !== false) {
      if (summaryOwner && summaryOwner.node !== node) node.warn(RED._('cmx-mv-correlate.errors.summaryTaken', { other: summaryOwner.node.id }));
      else summaryOwner = owner;
    }

    // Rebuild the window from the CSV files after a restart.
    const files = (text: string | undefined): string | null => {
      const raw = (text ?? '').trim();
      if (!raw) return null;
      const base = (RED.settings as unknown as { fileWorkingDirectory?: string }).fileWorkingDirectory || process.cwd();
      return path.resolve(base, expandEnv(raw, (name) => RED.util.getSetting(node, name)));
    };
    let closed = false;
    const replay = async (): Promise<void> => {
      const since = Date.now() - correlator.options.windowHours * 3_600_000;
      const mv = files(config.replayMv);
      const cmx = files(config.replayCmx);
      const corr = files(config.replayCorrelation);
      if (!mv && !cmx && !corr) return;
      replaying = true;
      status.touch();
      const counts = { activities: 0, observations: 0, correlations: 0 };
      if (mv) {
        // An activity that began a while before the window may still overlap it.
        await readCsvSince(mv, 'timeIn', since - 6 * 3_600_000, (row) => {
          const a = activityFromRow(row);
          if (a && !closed) {
            correlator.restoreActivity(a);
            learn(a.serial);
            counts.activities += 1;
          }
        });
      }
      if (cmx) {
        await readCsvSince(cmx, 'time', since, (row) => {
          const o = observationFromRow(row);
          if (o && !closed) {
            correlator.addObservation(o);
            counts.observations += 1;
          }
        });
      }
      if (corr) {
        const rows = new CorrelationRows();
        await readCsvSince(corr, 'timeIn', since, (row) => rows.add(row));
        for (const c of rows.values()) correlator.restoreCorrelation(c);
        counts.correlations = rows.values().length;
      }
      node.log(RED._('cmx-mv-correlate.log.replayed', counts));
    };
    replay()
      .catch((err: Error) => node.error(RED._('cmx-mv-correlate.errors.replay', { reason: err.message })))
      .finally(() => {
        replaying = false;
        status.touch();
      });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(timer);
      status.stop();
      if (summaryOwner === owner) summaryOwner = null;
      done();
    });
  }

  RED.nodes.registerType('cmx-mv-correlate', CmxMvCorrelateNode);
};
