/**
 * cmx-receiver: the Meraki Scanning API endpoint. GET answers the validator; a POST is read and
 * checked in the SPEC's order (src/lib/http-body, scanning), appended to the spool when a csv-store
 * is wired to this node (src/lib/spool: a 202 survives a process kill), answered 202, then sent on
 * by src/lib/cmx-intake: one message per post (`output: post`) or per observation. 503 with
 * Retry-After while starting, or when accepted posts not yet stored pass the bound.
 */
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { CmxIntake, MinuteCount, spoolBody } from '../../src/lib/cmx-intake';
import { compact } from '../../src/lib/format';
import { readJsonBody } from '../../src/lib/http-body';
import { checkPost, observationFilter, receiverPath } from '../../src/lib/scanning';
import { Spool } from '../../src/lib/spool';
import { futureToleranceMs } from '../../src/lib/time';
import { failConfig, numberOption, numberOr } from '../../src/red/config';
import { Routes } from '../../src/red/route';
import { ThrottledStatus } from '../../src/red/status';

interface CmxReceiverDef extends NodeDef {
  path: string; minRssi: string; apMacs: string; radio: string; anonymise: boolean; hashFormat: string;
  maxBodyMB: string; futureToleranceS?: string; output?: string; spool?: string; maxPendingMB?: string;
  wires?: string[][];
}

const MINUTE = 60_000;
const RETRY_AFTER_S = 2;

export = function (RED: NodeAPI): void {
  const routes = new Routes(RED, { methods: ['get', 'post'] });

  function CmxReceiverNode(this: Node, config: CmxReceiverDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const creds = (node.credentials ?? {}) as { validator?: string; secret?: string; salt?: string };
    const secret = creds.secret ?? '';
    const limit = Math.round(numberOr(config.maxBodyMB, { default: 25, above: 0 }) * 1024 * 1024);
    const wired = (config.wires ?? []).flat();
    const stores = (): string[] => wired.filter((id) => (RED.nodes.getNode(id) as Node | null)?.type === 'csv-store');
    const sent = new MinuteCount();
    const rejected: Record<string, number> = {};
    const warned = new Map<string, number>();
    let lastRejection: string | null = null;
    let refused = 0;
    let state: 'starting' | 'ready' | 'failed' | 'closed' = 'starting';
    const status = new ThrottledStatus(node, () => {
      if (state !== 'ready') return { fill: state === 'failed' ? 'red' : 'yellow', shape: 'ring', text: RED._(`cmx-receiver.status.${state}`) };
      if (lastRejection) return { fill: 'yellow', shape: 'ring', text: lastRejection };
      const n = compact(sent.total());
      return { fill: refused ? 'yellow' : 'green', shape: 'dot', text: RED._(refused ? 'cmx-receiver.status.rateRefused' : 'cmx-receiver.status.rate', { n, r: compact(refused) }) };
    });
    const warnOnce = (key: string, text: string): void => {
      if ((warned.get(key) ?? 0) > Date.now() - MINUTE) return;
      warned.set(key, Date.now());
      node.warn(text);
    };

    let intake: CmxIntake;
    let spool: Spool;
    try {
      const urlPath = receiverPath(config.path);
      if (!urlPath) throw new Error(RED._('cmx-receiver.errors.path'));
      if (config.anonymise && !creds.salt) throw new Error(RED._('cmx-receiver.errors.salt'));
      const claim = routes.claim(node, urlPath, { get: (_req, res) => void res.status(200).type('text/plain').send(creds.validator ?? ''), post: (req, res) => void post(req, res) }, undefined);
      if (!claim.ok) throw new Error(RED._('cmx-receiver.errors.pathInUse', { path: urlPath, other: claim.owner.id }));
      const dir = path.resolve((RED.settings as { userDir?: string }).userDir || path.join(os.homedir(), '.node-red'), config.spool || 'cmx-spool');
      spool = new Spool({ dir, name: urlPath === '/' ? 'root' : urlPath.slice(1).replace(/\//g, '-'), warn: (t) => node.warn(t) });
      intake = new CmxIntake({
        output: config.output === 'post' ? 'post' : 'observation',
        filter: observationFilter({ minRssi: config.minRssi, apMacs: config.apMacs, radio: config.radio }),
        anonymise: config.anonymise ? { salt: creds.salt!, format: config.hashFormat === 'hex' ? 'hex' : 'mac' } : undefined,
        toleranceMs: futureToleranceMs(config.futureToleranceS),
        maxPendingBytes: numberOption(RED._('cmx-receiver.label.maxPendingMB'), config.maxPendingMB, { default: 64, above: 0 }) * 1024 * 1024,
      }, {
        send: (msg) => node.send(msg),
        stores,
        sent: (n) => (sent.add(n), status.touch()),
        refused: (n, reason) => ((refused += n), warnOnce('time', RED._('cmx-receiver.errors.refusedTimes', { n, reason }))),
        error: (text) => node.error(RED._('cmx-receiver.errors.process', { reason: text })),
      }, spool);
    } catch (err) {
      failConfig(node, (err as Error).message, RED._('cmx-receiver.status.config'));
      return;
    }
    if (!creds.validator) node.warn(RED._('cmx-receiver.errors.noValidator'));
    if (!secret) node.warn(RED._('cmx-receiver.errors.noSecret'));
    status.touch();

    // Open the spool, wait for the nodes this one is wired to, then replay what a crash left
    // (posts that come meanwhile wait for it).
    const ready = spool.open().then(async (pending) => {
      for (let i = 0; i < 250 && state === 'starting' && !wired.every((id) => RED.nodes.getNode(id)); i++) await new Promise((r) => setTimeout(r, 20));
      if (state !== 'starting') return;
      state = 'ready';
      if (pending.length) node.log(RED._('cmx-receiver.log.replay', { n: pending.length, dir: spool.dir }));
      intake.replay(pending);
      if (!stores().length) node.log(RED._('cmx-receiver.log.noStore'));
      status.touch();
    }, (err: Error) => {
      state = 'failed';
      node.error(RED._('cmx-receiver.errors.spool', { dir: spool.dir, reason: err.message }));
      status.touch();
    });

    function reject(req: Request, res: Response, code: number, error: string): void {
      rejected[code] = (rejected[code] ?? 0) + 1;
      lastRejection = RED._('cmx-receiver.status.rejected', { code, reason: error, n: compact(rejected[code]) });
      status.touch();
      warnOnce(error, RED._('cmx-receiver.errors.rejected', { code, reason: error, from: req.ip ?? req.socket?.remoteAddress ?? '?' }));
      // Read the rest and throw it away, so that the sender gets the answer instead of a reset
      // connection; past 4× the limit, close the connection instead.
      if (Number(req.headers['content-length']) > 4 * limit) res.setHeader('Connection', 'close');
      else if (!req.complete) req.resume();
      if (code === 503) res.setHeader('Retry-After', String(RETRY_AFTER_S));
      res.status(code).json({ error });
    }

    async function post(req: Request, res: Response): Promise<void> {
      if (state === 'starting') await ready;
      if (state !== 'ready') return reject(req, res, 503, state === 'failed' ? 'spool unavailable' : 'closed');
      if (!intake.admits(Number(req.headers['content-length']) || 0)) return reject(req, res, 503, 'busy, retry later');
      await readJsonBody(req, limit).then(async (read) => {
        if (!read.ok) return reject(req, res, read.status, read.error);
        const verdict = checkPost(read.body, secret);
        if (!verdict.ok) return reject(req, res, verdict.status, verdict.error);
        if (!(await intake.accept(verdict.post, read.bytes, () => spoolBody(read.raw, read.body as Record<string, unknown>, secret)))) {
          return reject(req, res, 503, 'closed');
        }
        lastRejection = null;
        res.status(202).json({ status: 'accepted' });
      }).catch((err: Error) => {
        if (!res.headersSent) reject(req, res, 503, 'could not keep the post, retry later');
        node.error(RED._('cmx-receiver.errors.process', { reason: err.message }));
      });
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      // Finish what was accepted (the csv-store takes it before it closes), then wait for its acks.
      state = 'closed';
      status.stop();
      intake.close();
      spool.settled(5000).then(() => spool.close()).catch((err: Error) => node.error(err.message)).then(() => done());
    });
  }

  RED.nodes.registerType('cmx-receiver', CmxReceiverNode, {
    credentials: { validator: { type: 'text' }, secret: { type: 'password' }, salt: { type: 'password' } },
  });
};
