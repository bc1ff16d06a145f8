/**
 * mv-snapshot: an activity (or {serial, ts}) in → a camera snapshot at that time out, once the
 * image is ready, with the footage link for that time and the latest snapshots of every zone.
 * Snapshots are taken a few at a time (src/lib/job-queue) through src/lib/snapshot; API access and
 * its status come from a meraki-api config node. A setting the editor refuses fails the node.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { Cooldown } from '../../src/lib/cooldown';
import { JobQueue } from '../../src/lib/job-queue';
import { SNAPSHOT_SETTINGS, SnapshotStore, snapshotTarget, SnapshotTarget, takeSnapshot } from '../../src/lib/snapshot';
import { fromSettings, numberSettings } from '../../src/red/config';
import { merakiApi } from '../../src/red/meraki-api-node';
import { Done, failMessage } from '../../src/red/report';

interface MvSnapshotDef extends NodeDef {
  api: string;
  timeoutS: string;
  withImage: boolean;
  /** snapshots kept per zone in msg.recent */
  keep: string;
}

/** Snapshots fetched at once; more wait in a queue of at most MAX_WAITING (oldest dropped). */
const IN_FLIGHT = 4;
const MAX_WAITING = 50;

type Job = SnapshotTarget & { msg: NodeMessage; send: (m: NodeMessage) => void; done: Done };

export = function (RED: NodeAPI): void {
  function MvSnapshotNode(this: Node, config: MvSnapshotDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const settings = fromSettings(RED, node, 'mv-snapshot', () => numberSettings(config, SNAPSHOT_SETTINGS));
    if (!settings) return;
    const api = merakiApi(RED, config.api);
    const timeoutMs = settings.timeoutS * 1000;
    const store = new SnapshotStore(settings.keep);
    const dropWarning = new Cooldown();

    if (api) api.register(node);
    else node.status({ fill: 'grey', shape: 'ring', text: RED._('mv-snapshot.status.noApi') });
    if (!api?.client) node.warn(RED._('mv-snapshot.errors.off', { reason: api?.problem ?? RED._('mv-snapshot.errors.noApi') }));

    const queue = new JobQueue<Job>({
      concurrency: IN_FLIGHT,
      maxWaiting: MAX_WAITING,
      run: (job, signal) =>
        takeSnapshot(api!.client!, job.serial, job.zone, job.ts, { timeoutMs, withImage: config.withImage !== false, signal }).then(
          (snap) => {
            store.add(snap);
            job.msg.topic = `${job.serial}/${job.zone ?? '0'}`;
            job.msg.payload = snap;
            (job.msg as NodeMessage & { recent: unknown }).recent = store.recent();
            job.send(job.msg);
            job.done();
          },
          (err: Error) => {
            if (signal.aborted) job.done();
            else failMessage(node, job.msg, job.done, RED._('mv-snapshot.errors.failed', { serial: job.serial, reason: err.message }));
          },
        ),
      onDropped: (job) => {
        job.done();
        if (dropWarning.due()) node.warn(RED._('mv-snapshot.errors.dropped', { max: MAX_WAITING }));
      },
    });

    node.on('input', (msg, send, done) => {
      if (!api?.client) {
        done(); // no API key: snapshots are off (warned once at start)
        return;
      }
      const target = snapshotTarget(msg.payload);
      if (target.ok) queue.push({ ...target.value, msg, send, done });
      else failMessage(node, msg, done, RED._('mv-snapshot.errors.invalid', { reason: target.reason }));
    });

    node.on('close', (done: () => void) => {
      for (const job of queue.close()) job.done();
      api?.deregister(node);
      done();
    });
  }

  RED.nodes.registerType('mv-snapshot', MvSnapshotNode);
};
