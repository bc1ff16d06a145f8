/**
 * mv-snapshot: an activity (or {serial, ts}) in → a camera snapshot at that time out, once the
 * image is ready, with the footage link for that time and the latest snapshots of every zone.
 * Thin adapter around src/lib/snapshot; API access through a meraki-api config node.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { SNAPSHOT_SETTINGS, snapshotTarget, SnapshotStore, takeSnapshot } from '../../src/lib/snapshot';
import { numberOr } from '../../src/red/config';
import type { MerakiApiNode } from '../../src/red/meraki-api-node';
import { reportError } from '../../src/red/report';

interface MvSnapshotDef extends NodeDef {
  api: string;
  timeoutS: string;
  withImage: boolean;
  keep: string;
}

/** Snapshots fetched at once; more wait in a queue of at most MAX_WAITING (oldest dropped). */
const IN_FLIGHT = 4;
const MAX_WAITING = 50;

type Job = { msg: NodeMessage; serial: string; zone: string | null; ts: number; send: (m: NodeMessage) => void; done: (err?: Error) => void };

export = function (RED: NodeAPI): void {
  function MvSnapshotNode(this: Node, config: MvSnapshotDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const api = RED.nodes.getNode(config.api) as MerakiApiNode | null;
    const timeoutMs = numberOr(config.timeoutS, SNAPSHOT_SETTINGS.timeoutS) * 1000;
    const store = new SnapshotStore(numberOr(config.keep, SNAPSHOT_SETTINGS.keep));
    const abort = new AbortController();
    const waiting: Job[] = [];
    let running = 0;
    let lastDropWarn = 0;

    if (api) api.register(node);
    else node.status({ fill: 'grey', shape: 'ring', text: RED._('mv-snapshot.status.noApi') });
    if (!api?.client) node.warn(RED._('mv-snapshot.errors.off', { reason: api?.problem ?? RED._('mv-snapshot.errors.noApi') }));

    const next = (): void => {
      while (running < IN_FLIGHT && waiting.length && api?.client) {
        const job = waiting.shift()!;
        running += 1;
        takeSnapshot(api.client, job.serial, job.zone, job.ts, { timeoutMs, withImage: config.withImage !== false, signal: abort.signal })
          .then((snap) => {
            store.add(snap);
            job.msg.topic = `${job.serial}/${job.zone ?? '0'}`;
            job.msg.payload = snap;
            (job.msg as NodeMessage & { recent: unknown }).recent = store.recent();
            job.send(job.msg);
            job.done();
          })
          .catch((err: Error) => {
            if (!abort.signal.aborted) reportError(node, RED._('mv-snapshot.errors.failed', { serial: job.serial, reason: err.message }), job.msg);
            job.done();
          })
          .finally(() => {
            running -= 1;
            next();
          });
      }
    };

    node.on('input', (msg, send, done) => {
      if (!api?.client) {
        done(); // no API key: snapshots are off (warned once at start)
        return;
      }
      const t = snapshotTarget(msg.payload);
      if (typeof t === 'string') {
        reportError(node, RED._('mv-snapshot.errors.invalid', { reason: t }), msg);
        done();
        return;
      }
      waiting.push({ msg, ...t, send, done });
      if (waiting.length > MAX_WAITING) {
        const dropped = waiting.shift()!;
        dropped.done();
        if (Date.now() - lastDropWarn > 60_000) {
          lastDropWarn = Date.now();
          node.warn(RED._('mv-snapshot.errors.dropped', { max: MAX_WAITING }));
        }
      }
      next();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      abort.abort();
      for (const job of waiting.splice(0)) job.done();
      api?.deregister(node);
      done();
    });
  }

  RED.nodes.registerType('mv-snapshot', MvSnapshotNode);
};
