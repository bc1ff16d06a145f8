/**
 * activity-detector: per camera+zone state machine turning live counts into activities.
 * Thin adapter around src/lib/activity; output 1 activities, output 2 dismissed ones.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { ActivityDetector, activityOptions, Closed, countInput } from '../../src/lib/activity';
import { Cooldown } from '../../src/lib/cooldown';
import { compact } from '../../src/lib/format';
import { fromSettings } from '../../src/red/config';
import { failMessage } from '../../src/red/report';
import { ThrottledStatus } from '../../src/red/status';

interface ActivityDetectorDef extends NodeDef {
  peopleThreshold: string;
  minMessages: string;
  minPeak: string;
  timeoutMessages: string;
  pauseSeconds: string;
  idleSeconds: string;
  futureToleranceS?: string;
  maxKeys?: string;
}

export = function (RED: NodeAPI): void {
  function ActivityDetectorNode(this: Node, config: ActivityDetectorDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const detector = fromSettings(RED, node, 'activity-detector', () => new ActivityDetector(activityOptions(config), { futureToleranceS: config.futureToleranceS, maxKeys: config.maxKeys }));
    if (!detector) return;
    const c = detector.counters;
    let lateShown = 0;
    let refusedShown = 0;
    let lastFull = -Infinity;
    const fullWarning = new Cooldown();
    const status = new ThrottledStatus(node, () => {
      if (c.dropped > lateShown) {
        const late = c.dropped - lateShown;
        lateShown = c.dropped;
        return { fill: 'yellow', shape: 'ring', text: RED._('activity-detector.status.late', { late: compact(late) }) };
      }
      if (Date.now() - lastFull < 60_000) {
        return { fill: 'red', shape: 'ring', text: RED._('activity-detector.status.full', { n: compact(detector.keys) }) };
      }
      if (detector.refused > refusedShown) {
        const n = detector.refused - refusedShown;
        refusedShown = detector.refused;
        return { fill: 'yellow', shape: 'ring', text: RED._('activity-detector.status.refused', { n: compact(n) }) };
      }
      return {
        fill: c.active > 0 ? 'blue' : 'green',
        shape: 'dot',
        text: RED._('activity-detector.status.counts', { open: compact(c.active), done: compact(c.activities) }),
      };
    }, 1000);

    const outputs = (closed: Closed, msg: NodeMessage): (NodeMessage | null)[] => {
      msg.topic = `${closed.activity.serial}/${closed.activity.zone}`;
      msg.payload = closed.activity;
      return closed.kind === 'activity' ? [msg, null] : [null, msg];
    };

    node.on('input', (msg, send, done) => {
      const input = countInput(msg.payload);
      if (!input.ok) {
        failMessage(node, msg, done, RED._('activity-detector.errors.invalid', { reason: input.reason }));
        return;
      }
      if (input.value === null) {
        done(); // not a count: passed over
        return;
      }
      const result = detector.push(input.value, Date.now());
      if (result === 'accepted') {
        if (c.active > 0 || c.activities > 0) status.touch();
      } else if (result === 'dropped' || result === 'refused') {
        status.touch();
      } else if (result === 'full') {
        // at most one warning a minute: a flood of new keys must not flood the log
        if (fullWarning.due()) node.warn(RED._('activity-detector.errors.full', { n: detector.maxKeys }));
        lastFull = Date.now();
        status.touch();
      } else {
        send(outputs(result, msg));
        status.touch();
      }
      done();
    });

    // Idle close: check a few times per idle period, at most once a second.
    const sweepMs = Math.max(20, Math.min(1000, (detector.options.idleSeconds * 1000) / 4));
    const timer = setInterval(() => {
      const closed = detector.sweep(Date.now());
      for (const item of closed) node.send(outputs(item, {}));
      if (closed.length) status.touch();
    }, sweepMs);
    timer.unref?.();
    status.touch();

    node.on('close', (done: () => void) => {
      clearInterval(timer);
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('activity-detector', ActivityDetectorNode);
};
