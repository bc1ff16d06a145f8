/**
 * cmx-receiver: the Meraki Scanning API endpoint. GET answers the validator; a POST is read and
 * checked in the SPEC's order (src/lib/http-body, scanning), appended to the spool when a csv-store
 * is wired to this node (src/lib/spool: a 202 survives a process kill), answered 202, then sent on
 * by src/lib/cmx-intake: one message per post (`output: post`) or per observation. 503 with
 * Retry-After when accepted posts not yet stored pass the bound, or (src/lib/http-body's budget)
 * when too many bodies are being read; 408 for a body too slow.
 */
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { CmxIntake, intakeOptions, ReceiverFigures, ReceiverSettings, spoolBody, spoolLocation } from '../../src/lib/cmx-intake';
import { compact } from '../../src/lib/format';
import { BodyBudget, declaredLength, readJsonBody, RETRY_AFTER_S as BUDGET_RETRY_S } from '../../src/lib/http-body';
import { MAX_BODY_MB, receiverPath } from '../../src/lib/receiver-settings';
import { checkPost } from '../../src/lib/scanning';
import { Spool } from '../../src/lib/spool';
import { envText, failConfig, numberOr } from '../../src/red/config';
import { Routes } from '../../src/red/route';
import { ThrottledStatus } from '../../src/red/status';

type CmxReceiverDef = NodeDef & ReceiverSettings & { path: string; maxBodyMB: string; spool?: string; wires?: string[][] };

const RETRY_AFTER_S = 2;

export = function (RED: NodeAPI): void {
  const routes = new Routes(RED, { methods: ['get', 'post'] });
  /** Body bytes in flight and requests being read, across every receiver (settings cmxBodyBudgetMB, cmxMaxRequests). */
  const settings = RED.settings as unknown as { cmxBodyBudgetMB?: unknown; cmxMaxRequests?: unknown };
  const budget = new BodyBudget(
    Number(settings.cmxBodyBudgetMB) > 0 ? Math.round(Number(settings.cmxBodyBudgetMB) * 1024 * 1024) : undefined,
    Number(settings.cmxMaxRequests) > 0 ? Math.floor(Number(settings.cmxMaxRequests)) : undefined,
  );

  function CmxReceiverNode(this: Node, config: CmxReceiverDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const creds = (node.credentials ?? {}) as { validator?: string; secret?: string; salt?: string };
    const validator = envText(RED, node, creds.validator);
    const secret = envText(RED, node, creds.secret);
    const limit = Math.round(numberOr(config.maxBodyMB, MAX_BODY_MB) * 1024 * 1024);
    const wired = (config.wires ?? []).flat();
    // the csv-stores this node's output reaches directly (through junctions too): they write what is spooled
    const reach = (ids: string[], depth = 0): Node[] => ids.map((id) => RED.nodes.getNode(id) as Node & { wires?: string[][] } | null)
      .flatMap((n) => (n?.type === 'junction' && depth < 8 ? reach((n.wires ?? []).flat(), depth + 1) : n ? [n] : []));
    const stores = (): string[] => reach(wired).filter((n) => n.type === 'csv-store').map((n) => n.id);
    const figures = new ReceiverFigures();
    let state: 'starting' | 'ready' | 'failed' | 'closed' = 'starting';
    const status = new ThrottledStatus(node, () => {
      const { last, refusedTimes: r } = figures;
      if (state !== 'ready') return { fill: state === 'failed' ? 'red' : 'yellow', shape: 'ring', text: RED._(`cmx-receiver.status.${state}`) };
      if (last) return { fill: 'yellow', shape: 'ring', text: RED._('cmx-receiver.status.rejected', { ...last, n: compact(last.n) }) };
      return { fill: r ? 'yellow' : 'green', shape: 'dot', text: RED._(`cmx-receiver.status.${r ? 'rateRefused' : 'rate'}`, { n: compact(figures.sent.total()), r: compact(r) }) };
    });
    const warnOnce = (key: string, text: string): void => void (figures.warnDue(key) && node.warn(text));

    let intake: CmxIntake;
    let spool: Spool;
    try {
      const urlPath = receiverPath(config.path);
      if (!urlPath) throw new Error(RED._('cmx-receiver.errors.path'));
      const options = intakeOptions(config, creds.salt);
      const claim = routes.claim(node, urlPath, { get: (_req, res) => void res.status(200).type('text/plain').send(validator), post: (req, res) => void post(req, res) }, undefined);
      if (!claim.ok) throw new Error(RED._('cmx-receiver.errors.pathInUse', { path: urlPath, other: claim.owner.id }));
      spool = new Spool({ ...spoolLocation(RED.settings.userDir || path.join(os.homedir(), '.node-red'), config.spool, urlPath), warn: (t) => node.warn(t) });
      intake = new CmxIntake(options, {
        send: (msg) => node.send(msg),
        stores,
        sent: (n) => (figures.sent.add(n), status.touch()),
        refused: (n, reason) => ((figures.refusedTimes += n), warnOnce('time', RED._('cmx-receiver.errors.refusedTimes', { n, reason }))),
        error: (text) => node.error(RED._('cmx-receiver.errors.process', { reason: text })),
      }, spool);
    } catch (err) {
      failConfig(node, (err as Error).message, RED._('cmx-receiver.status.config'));
      return;
    }
    if (!validator) node.warn(RED._('cmx-receiver.errors.noValidator'));
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

    function reject(req: Request, res: Response, code: number, error: string, budgetRefusal = false): void {
      figures.reject(code, error);
      status.touch();
      warnOnce(error, RED._('cmx-receiver.errors.rejected', { code, reason: error, from: req.ip ?? req.socket?.remoteAddress ?? '?' }));
      if (code === 408 || budgetRefusal) {
        // Too many bodies in flight, or too slow: the body is not read; the connection goes after the answer.
        res.setHeader('Connection', 'close');
        if (budgetRefusal) res.setHeader('Retry-After', String(BUDGET_RETRY_S));
        res.on('finish', () => req.socket?.destroy());
      } else {
        // Read the rest and throw it away, so that the sender gets the answer instead of a reset
        // connection; past 4× the limit, close the connection instead.
        if (Number(req.headers['content-length']) > 4 * limit) res.setHeader('Connection', 'close');
        else if (!req.complete) req.resume();
        if (code === 503) res.setHeader('Retry-After', String(RETRY_AFTER_S));
      }
      res.status(code).json({ error });
    }

    async function post(req: Request, res: Response): Promise<void> {
      if (state === 'starting') await ready;
      if (state !== 'ready') return reject(req, res, 503, state === 'failed' ? 'spool unavailable' : 'closed');
      if (!intake.admits(Number(req.headers['content-length']) || 0)) return reject(req, res, 503, 'busy, retry later');
      // Let in by the body budget before the body is read (a body over the limit is answered 413 first).
      const declared = declaredLength(req);
      const ticket = (req as { _body?: boolean })._body === true || (declared !== null && declared > limit) ? null : budget.admit(declared);
      if (typeof ticket === 'string') return reject(req, res, 503, ticket === 'requests' ? 'too many posts at once' : 'too many bodies in flight', true);
      await readJsonBody(req, limit, { ticket: ticket ?? undefined, raw: true }).then(async (read) => {
        ticket?.release();
        if (!read.ok) return reject(req, res, read.status, read.error, read.status === 503);
        const verdict = checkPost(read.body, secret);
        if (!verdict.ok) return reject(req, res, verdict.status, verdict.error);
        const text = (): Buffer => spoolBody(read.raw ?? null, read.body as Record<string, unknown>, secret);
        if (!(await intake.accept(verdict.post, read.bytes, text))) return reject(req, res, 503, 'closed');
        figures.last = null;
        res.status(202).json({ status: 'accepted' });
      }).catch((err: Error) => {
        ticket?.release();
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
