/**
 * The lifecycle of a node that keeps figures, emits and serves their summary, and rebuilds them
 * at start (cmx-mv-correlate, line-counter). The node gives the domain parts (its figures, how a
 * message goes in, its once-a-second work, its replay, the status of its figures); this does the
 * rest, the same way for both:
 *
 *   const figures = runFigures(RED, node, { type: 'line-counter', name: 'entrances', figures: counter, ... });
 *   figures.touch();   // after a change made outside a message (e.g. an API answer)
 *
 * - Input: a message whose topic or payload is `name` asks for the summary: it goes out on output
 *   2 in that message, with topic `name`. Any other message goes to `take`, which sends output 1
 *   and returns why items were dropped: then the message fails (`<type>.errors.invalid`, Catch
 *   nodes see it), else it is done.
 * - Once a second: `tick(now)`, then the summary on output 2 (`{topic: name}`) when it is due
 *   (src/lib/summary-cadence: changed, and the interval passed). A throw: `<type>.errors.summary`.
 * - `route`: GET /analytics/<name> answers the summary (src/red/route serveJson); when another
 *   node serves it, a warning `<type>.errors.taken`.
 * - At start `replay(stopped)` rebuilds the figures (null: nothing to rebuild) under a yellow ring
 *   `<type>.status.replaying`, and resolves with the values of the log line `<type>.log.replayed`
 *   (a failure: `<type>.errors.replay`); then `replayed()`. With `holdWhileReplaying: n` the node
 *   waits for it: messages are held (beyond n they fail, `<type>.errors.busy`) and then taken in
 *   order, and the once-a-second work waits too; without it the node runs on meanwhile.
 * - Status (at most once a second): replaying; else the trouble of its meraki-api config node
 *   (rate limited, unauthorised: the node registers with `api`); else `status()`.
 * - Close: timer and status stop, held messages are done, `api` deregistered, then `close()`.
 */
import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';
import { Summarised, SummaryCadence } from '../lib/summary-cadence';
import type { MerakiApiNode } from './meraki-api-node';
import { Done, failMessage } from './report';
import type { Routes } from './route';
import { serveJson } from './route';
import { ThrottledStatus } from './status';

export type Send = (m: (NodeMessage | null)[]) => void;
/** the values of a catalogue text's __placeholders__ */
type Values = Record<string, string | number>;

export interface FiguresOptions<S> {
  /** the node type, whose message catalogue holds the texts named above */
  type: string;
  /** the summary's name: its topic, the request, GET /analytics/<name> */
  name: string;
  figures: Summarised<S>;
  summaryIntervalMs: number;
  /** serve GET /analytics/<name> through this route (null: not served) */
  route: Routes | null;
  api: MerakiApiNode | null;
  /** the status of the figures */
  status(): NodeStatus;
  /** a message that is not a request: output 1 sent; returns why items were dropped */
  take(msg: NodeMessage, send: Send): string[];
  /** the once-a-second work before the summary (settle, rollover, ...) */
  tick(now: number): void;
  replay: ((stopped: () => boolean) => Promise<Values>) | null;
  /** after the replay, unless the node closed meanwhile */
  replayed?(): void;
  /** the node waits for its replay, holding at most this many messages */
  holdWhileReplaying?: number;
  close?(): void;
}

export function runFigures<S>(RED: NodeAPI, node: Node, o: FiguresOptions<S>): { touch(): void } {
  const text = (key: string, values?: Values): string => RED._(`${o.type}.${key}`, values);
  const cadence = new SummaryCadence(o.figures, o.summaryIntervalMs);
  let replaying = o.replay !== null;
  let closed = false;
  let apiTrouble: NodeStatus | null = null;
  const status = new ThrottledStatus(node, () => (replaying ? { fill: 'yellow', shape: 'ring', text: text('status.replaying') } : apiTrouble ?? o.status()), 1000);
  const summaryError = (err: Error): void => node.error(text('errors.summary', { reason: err.message }));
  const waiting = (): boolean => replaying && o.holdWhileReplaying !== undefined;

  o.api?.register(node, (s) => {
    apiTrouble = s.fill === 'red' || s.fill === 'yellow' ? s : null;
    status.touch();
  });

  const take = (msg: NodeMessage, send: Send, done: Done): void => {
    const problems = o.take(msg, send);
    status.touch();
    if (problems.length) failMessage(node, msg, done, text('errors.invalid', { n: problems.length, reason: problems[0] }));
    else done();
  };

  const held: { msg: NodeMessage; send: Send; done: Done }[] = [];
  node.on('input', (msg, send, done) => {
    if (msg.topic === o.name || msg.payload === o.name) {
      msg.topic = o.name;
      msg.payload = cadence.take(Date.now());
      send([null, msg]);
      done();
    } else if (!waiting()) {
      take(msg, send, done);
    } else if (held.length < o.holdWhileReplaying!) {
      held.push({ msg, send, done });
    } else {
      failMessage(node, msg, done, text('errors.busy', { max: o.holdWhileReplaying! }));
    }
  });

  const timer = setInterval(() => {
    if (waiting()) return;
    try {
      const now = Date.now();
      o.tick(now);
      const due = cadence.takeIfDue(now);
      if (due) node.send([null, { topic: o.name, payload: due }]);
      status.touch();
    } catch (err) {
      summaryError(err as Error);
    }
  }, 1000);
  timer.unref?.();

  if (o.route) {
    const claim = o.route.claim(node, `/analytics/${o.name}`, { get: serveJson(o.name, () => o.figures.summary(Date.now()), summaryError) }, undefined);
    if (!claim.ok) node.warn(text('errors.taken', { other: claim.owner.id }));
  }

  const replayed = (): void => {
    replaying = false;
    try {
      if (!closed) o.replayed?.();
    } catch (err) {
      summaryError(err as Error);
    }
    // (outside Node-RED's input handler: what a message throws is its own failure, the rest go on)
    for (const h of held.splice(0)) {
      try {
        take(h.msg, h.send, h.done);
      } catch (err) {
        failMessage(node, h.msg, h.done, (err as Error).message);
      }
    }
    status.touch();
  };
  if (o.replay) {
    status.touch();
    o.replay(() => closed)
      .then((values) => node.log(text('log.replayed', values)))
      .catch((err: Error) => node.error(text('errors.replay', { reason: err.message })))
      .finally(replayed);
  } else {
    void Promise.resolve().then(replayed); // (as after a replay: once the node is set up)
  }

  node.on('close', (done: () => void) => {
    closed = true;
    clearInterval(timer);
    status.stop();
    for (const h of held.splice(0)) h.done();
    o.api?.deregister(node);
    o.close?.();
    done();
  });

  return { touch: () => status.touch() };
}
