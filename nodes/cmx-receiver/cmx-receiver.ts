/**
 * cmx-receiver: the Meraki Scanning API endpoint. GET answers the validator; POST is checked in
 * the SPEC's order, answered 202 at once, then normalised (src/lib/scanning) and sent on as one
 * message per observation, in slices so that a huge post never holds up other requests.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { NextFunction, Request, Response } from 'express';
import { compact } from '../../src/lib/format';
import { readJsonBody } from '../../src/lib/http-body';
import {
  anonymise, checkPost, keep, Observation, ObservationFilter, observationFilter, PostInfo, PostNormaliser,
} from '../../src/lib/scanning';
import { ThrottledStatus } from '../../src/red/status';

interface CmxReceiverDef extends NodeDef {
  path: string;
  minRssi: string;
  apMacs: string;
  radio: string;
  anonymise: boolean;
  hashFormat: string;
  maxBodyMB: string;
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
    const path = normalisePath(config.path);
    const limit = Math.round((Number(config.maxBodyMB) > 0 ? Number(config.maxBodyMB) : 25) * 1024 * 1024);
    const hashFormat = config.hashFormat === 'hex' ? 'hex' : 'mac';

    // Figures for the status: observations sent in the last minute, rejections by status.
    const recent: { t: number; n: number }[] = [];
    const rejected: Record<string, number> = {};
    let lastRejection: string | null = null;
    let lastWarn = new Map<string, number>();
    const perMinute = (): number => {
      const since = Date.now() - MINUTE;
      while (recent.length && recent[0].t < since) recent.shift();
      return recent.reduce((s, e) => s + e.n, 0);
    };
    const status = new ThrottledStatus(node, () =>
      lastRejection
        ? { fill: 'yellow', shape: 'ring', text: lastRejection }
        : { fill: 'green', shape: 'dot', text: RED._('cmx-receiver.status.rate', { n: compact(perMinute()) }) },
    );

    let filter: ObservationFilter;
    try {
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
      if (code === 413) {
        // Read the rest and throw it away, so that the sender gets the answer instead of a reset
        // connection; past 4× the limit, close the connection instead.
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > 4 * limit) res.setHeader('Connection', 'close');
        else req.resume();
      }
      res.status(code).json({ error });
    }

    /** Sends the observations a slice per event-loop turn. */
    function emit(list: Observation[]): void {
      let i = 0;
      const step = (): void => {
        if (closing) return;
        const start = i;
        const end = Math.min(i + SLICE, list.length);
        for (; i < end; i++) node.send({ topic: `cmx/${list[i].radio}`, payload: list[i] });
        recent.push({ t: Date.now(), n: end - start });
        status.touch();
        if (i < list.length) setImmediate(step);
      };
      step();
    }

    /** Normalises a slice per event-loop turn (huge posts must not hold other requests up), then sends. */
    function handlePost(post: PostInfo): void {
      const work = new PostNormaliser(post);
      lastRejection = null;
      const step = (): void => {
        if (closing) return;
        try {
          work.step(SLICE);
          if (!work.done) {
            setImmediate(step);
            return;
          }
          const kept = work.result().filter((o) => keep(o, filter));
          if (config.anonymise) anonymise(kept, creds.salt!, hashFormat);
          if (kept.length) emit(kept);
          else status.touch();
        } catch (err) {
          node.error(RED._('cmx-receiver.errors.process', { reason: (err as Error).message }));
        }
      };
      step();
    }

    let closing = false;
    const receiver: Receiver = {
      node,
      get(_req, res) {
        res.status(200).type('text/plain').send(validator);
      },
      post(req, res) {
        readJsonBody(req, limit).then((read) => {
          if (!read.ok) return reject(res, req, read.status, read.error);
          const verdict = checkPost(read.body, secret);
          if (!verdict.ok) return reject(res, req, verdict.status, verdict.error);
          res.status(202).json({ status: 'accepted' });
          setImmediate(() => {
            try {
              handlePost(verdict.post);
            } catch (err) {
              node.error(RED._('cmx-receiver.errors.process', { reason: (err as Error).message }));
            }
          });
        }).catch((err: Error) => {
          if (!res.headersSent) res.status(400).json({ error: 'could not read the request' });
          node.error(RED._('cmx-receiver.errors.process', { reason: err.message }));
        });
      },
    };
    owners.set(path, receiver);
    route(path);
    status.touch();

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
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

/** `/cmx`, `cmx/` → `/cmx`; only plain URL path characters (no route patterns). */
function normalisePath(p: unknown): string | null {
  let s = typeof p === 'string' && p.trim() ? p.trim() : '/cmx';
  if (!s.startsWith('/')) s = '/' + s;
  if (s.length > 1) s = s.replace(/\/+$/, '');
  return /^\/[A-Za-z0-9._~\-/]*$/.test(s) ? s : null;
}
