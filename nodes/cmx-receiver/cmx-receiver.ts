/**
 * cmx-receiver: the Meraki Scanning API endpoint. GET answers the validator; POST is checked in
 * the SPEC's order, answered 202 at once, then normalised (src/lib/scanning) and sent on as one
 * message per observation, in slices so that a huge post never holds up other requests.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { NextFunction, Request, Response } from 'express';
import { compact } from '../../src/lib/format';
import { BodyBudget, declaredLength, readJsonBody, RETRY_AFTER_S } from '../../src/lib/http-body';
import {
  anonymise, checkPost, keep, Observation, ObservationFilter, observationFilter, PostInfo, PostNormaliser, receiverPath,
} from '../../src/lib/scanning';
import { futureToleranceMs } from '../../src/lib/time';
import { ThrottledStatus } from '../../src/red/status';

interface CmxReceiverDef extends NodeDef {
  path: string;
  minRssi: string;
  apMacs: string;
  radio: string;
  anonymise: boolean;
  hashFormat: string;
  maxBodyMB: string;
  futureToleranceS?: string;
}

interface CmxCredentials {
  validator?: string;
  secret?: string;
  salt?: string;
}

interface Receiver {
  node: Node;
  get(req: Request, res: Response): void;
  post(req: Request, res: Response): void;
}

/** Observations sent per event-loop turn. */
const SLICE = 500;
const MINUTE = 60_000;

export = function (RED: NodeAPI): void {
  /** path → the node serving it; one route pair per path is registered once, then dispatched. */
  const owners = new Map<string, Receiver>();
  /** Body bytes in flight and requests being read, across every receiver (src/lib/http-body.ts). */
  const bodySettings = RED.settings as unknown as { cmxBodyBudgetMB?: unknown; cmxMaxRequests?: unknown };
  const budget = new BodyBudget(
    Number(bodySettings.cmxBodyBudgetMB) > 0 ? Math.round(Number(bodySettings.cmxBodyBudgetMB) * 1024 * 1024) : undefined,
    Number(bodySettings.cmxMaxRequests) > 0 ? Math.floor(Number(bodySettings.cmxMaxRequests)) : undefined,
  );
  const routed = new Set<string>();
  const httpNode = (RED as unknown as { httpNode?: { get: Function; post: Function } }).httpNode;

  function route(path: string): void {
    if (routed.has(path) || !httpNode) return;
    routed.add(path);
    httpNode.get(path, (req: Request, res: Response, next: NextFunction) => {
      const r = owners.get(path);
      if (r) r.get(req, res);
      else next();
    });
    httpNode.post(path, (req: Request, res: Response, next: NextFunction) => {
      const r = owners.get(path);
      if (r) r.post(req, res);
      else next();
    });
  }

  function CmxReceiverNode(this: Node<Record<string, unknown>>, config: CmxReceiverDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const creds = (node.credentials ?? {}) as CmxCredentials;
    const validator = creds.validator ?? '';
    const secret = creds.secret ?? '';
    const path = receiverPath(config.path);
    const limit = Math.round((Number(config.maxBodyMB) > 0 ? Number(config.maxBodyMB) : 25) * 1024 * 1024);
    const hashFormat = config.hashFormat === 'hex' ? 'hex' : 'mac';

    // Figures for the status: observations sent in the last minute, rejections by status.
    const recent: { t: number; n: number }[] = [];
    const rejected: Record<string, number> = {};
    let lastRejection: string | null = null;
    let lastWarn = new Map<string, number>();
    /** observations refused for their time (too far ahead of the clock, or before 2015) */
    let refusedTimes = 0;
    const perMinute = (): number => {
      const since = Date.now() - MINUTE;
      while (recent.length && recent[0].t < since) recent.shift();
      return recent.reduce((s, e) => s + e.n, 0);
    };
    const status = new ThrottledStatus(node, () =>
      lastRejection
        ? { fill: 'yellow', shape: 'ring', text: lastRejection }
        : { fill: refusedTimes ? 'yellow' : 'green', shape: 'dot', text: RED._(refusedTimes ? 'cmx-receiver.status.rateRefused' : 'cmx-receiver.status.rate', { n: compact(perMinute()), r: compact(refusedTimes) }) },
    );

    let filter: ObservationFilter;
    let toleranceMs: number;
    try {
      toleranceMs = futureToleranceMs(config.futureToleranceS);
      if (!path) throw new Error(RED._('cmx-receiver.errors.path'));
      filter = observationFilter({ minRssi: config.minRssi, apMacs: config.apMacs, radio: config.radio });
      if (config.anonymise && !creds.salt) throw new Error(RED._('cmx-receiver.errors.salt'));
      if (owners.has(path) && owners.get(path)!.node !== node) {
        throw new Error(RED._('cmx-receiver.errors.pathInUse', { path, other: owners.get(path)!.node.id }));
      }
    } catch (err) {
      node.error((err as Error).message);
      status.set({ fill: 'red', shape: 'ring', text: RED._('cmx-receiver.status.config') });
      return;
    }
    if (!validator) node.warn(RED._('cmx-receiver.errors.noValidator'));
    if (!secret) node.warn(RED._('cmx-receiver.errors.noSecret'));

    function reject(res: Response, req: Request, code: number, error: string): void {
      rejected[code] = (rejected[code] ?? 0) + 1;
      lastRejection = RED._('cmx-receiver.status.rejected', { code, reason: error, n: compact(rejected[code]) });
      status.touch();
      const now = Date.now();
      if ((lastWarn.get(error) ?? 0) < now - MINUTE) {
        lastWarn.set(error, now);
        node.warn(RED._('cmx-receiver.errors.rejected', { code, reason: error, from: req.ip ?? req.socket?.remoteAddress ?? '?' }));
      }
      if (code === 503 || code === 408) {
        // Too much in flight, or too slow: the body is not read; the connection goes after the answer.
        res.setHeader('Connection', 'close');
        if (code === 503) res.setHeader('Retry-After', String(RETRY_AFTER_S));
        res.on('finish', () => req.socket?.destroy());
      } else if (code === 413) {
        // Read the rest and throw it away, so that the sender gets the answer instead of a reset
        // connection; past 4× the limit, close the connection instead.
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > 4 * limit) res.setHeader('Connection', 'close');
        else req.resume();
      }
      res.status(code).json({ error });
    }

    /** Observations refused for their time: counted in the status, a warning at most once a minute. */
    function warnRefused(n: number, reason: string): void {
      refusedTimes += n;
      const now = Date.now();
      if ((lastWarn.get('time') ?? 0) < now - MINUTE) {
        lastWarn.set('time', now);
        node.warn(RED._('cmx-receiver.errors.refusedTimes', { n, reason }));
      }
    }

    /**
     * One accepted post on its way out: normalised a slice per event-loop turn, then sent a slice per
     * turn (a huge post must not hold other requests up). On close, what is left is done at once,
     * so that an accepted post is not lost in a redeploy or a graceful stop.
     */
    const jobs = new Set<{ step(all: boolean): boolean }>();
    function accept(post: PostInfo): void {
      const work = new PostNormaliser(post, undefined, { now: Date.now(), toleranceMs });
      let out: Observation[] | null = null;
      let sent = 0;
      const job = {
        /** advances by a slice (or to the end); true when finished */
        step(all: boolean): boolean {
          if (!out) {
            work.step(all ? Infinity : SLICE);
            if (!work.done) return false;
            out = work.result().filter((o) => keep(o, filter));
            if (work.refused) warnRefused(work.refused, work.lastRefusal ?? '');
            if (config.anonymise) anonymise(out, creds.salt!, hashFormat);
            if (!all) return out.length === 0;
          }
          const end = all ? out.length : Math.min(sent + SLICE, out.length);
          const from = sent;
          for (; sent < end; sent++) node.send({ topic: `cmx/${out[sent].radio}`, payload: out[sent] });
          if (end > from) recent.push({ t: Date.now(), n: end - from });
          return sent >= out.length;
        },
      };
      jobs.add(job);
      lastRejection = null;
      const tick = (): void => {
        if (!jobs.has(job)) return;
        try {
          if (job.step(false)) jobs.delete(job);
          else setImmediate(tick);
        } catch (err) {
          jobs.delete(job);
          node.error(RED._('cmx-receiver.errors.process', { reason: (err as Error).message }));
        }
        status.touch();
      };
      setImmediate(tick);
    }

    const receiver: Receiver = {
      node,
      get(_req, res) {
        res.status(200).type('text/plain').send(validator);
      },
      post(req, res) {
        // Let in by the budget before the body is read (a body over the limit is answered 413 first).
        const declared = declaredLength(req);
        const parsed = (req as { _body?: boolean })._body === true;
        const ticket = parsed || (declared !== null && declared > limit) ? null : budget.admit(declared);
        if (typeof ticket === 'string') {
          reject(res, req, 503, ticket === 'requests' ? 'too many posts at once' : 'too many bodies in flight');
          return;
        }
        readJsonBody(req, limit, { ticket: ticket ?? undefined }).then((read) => {
          ticket?.release();
          if (!read.ok) return reject(res, req, read.status, read.error);
          const verdict = checkPost(read.body, secret);
          if (!verdict.ok) return reject(res, req, verdict.status, verdict.error);
          res.status(202).json({ status: 'accepted' });
          accept(verdict.post);
        }).catch((err: Error) => {
          ticket?.release();
          if (!res.headersSent) res.status(400).json({ error: 'could not read the request' });
          node.error(RED._('cmx-receiver.errors.process', { reason: err.message }));
        });
      },
    };
    owners.set(path, receiver);
    route(path);
    status.touch();

    node.on('close', (_removed: boolean, done: () => void) => {
      // Finish what was accepted (the csv store downstream waits for it before it closes).
      for (const job of jobs) {
        try {
          job.step(true);
        } catch (err) {
          node.error(RED._('cmx-receiver.errors.process', { reason: (err as Error).message }));
        }
      }
      jobs.clear();
      if (owners.get(path) === receiver) owners.delete(path);
      status.stop();
      lastWarn = new Map();
      done();
    });
  }

  RED.nodes.registerType('cmx-receiver', CmxReceiverNode, {
    credentials: {
      validator: { type: 'text' },
      secret: { type: 'password' },
      salt: { type: 'password' },
    },
  });
};
