/**
 * cmx-receiver: the Meraki Scanning API endpoint. GET answers the validator; a POST goes through
 * src/lib/cmx-endpoint: admitted (503 with Retry-After past the bounds), read (413, 408), parsed,
 * checked in the SPEC's order and normalised on the node's post worker thread (src/lib/post-worker),
 * appended to the spool when a csv-store is wired to this node (src/lib/spool: a 202 survives a
 * process kill), answered 202, then sent on by src/lib/cmx-intake: one message per post
 * (`output: post`) or per observation.
 */
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { intakeOptions, ReceiverFigures, ReceiverSettings, spoolLocation } from '../../src/lib/cmx-intake';
import { CmxEndpoint, receiverProcessSettings } from '../../src/lib/cmx-endpoint';
import { compact } from '../../src/lib/format';
import { MAX_BODY_MB, receiverPath } from '../../src/lib/receiver-settings';
import { envText, failConfig, numberOr } from '../../src/red/config';
import { Routes } from '../../src/red/route';
import { ThrottledStatus } from '../../src/red/status';

type CmxReceiverDef = NodeDef & ReceiverSettings & { path: string; maxBodyMB: string; spool?: string; wires?: string[][] };

export = function (RED: NodeAPI): void {
  const routes = new Routes(RED, { methods: ['get', 'post'] });
  /** Process-wide: body bytes in flight and posts read at once, across every receiver; how post workers run. */
  const shared = receiverProcessSettings(RED.settings as unknown as Record<string, unknown>);

  function CmxReceiverNode(this: Node, config: CmxReceiverDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const creds = (node.credentials ?? {}) as { validator?: string; secret?: string; salt?: string };
    const validator = envText(RED, node, creds.validator);
    const secret = envText(RED, node, creds.secret);
    const wired = (config.wires ?? []).flat();
    // the csv-stores this node's output reaches directly (through junctions too): they write what is spooled
    const reach = (ids: string[], depth = 0): Node[] => ids.map((id) => RED.nodes.getNode(id) as Node & { wires?: string[][] } | null)
      .flatMap((n) => (n?.type === 'junction' && depth < 8 ? reach((n.wires ?? []).flat(), depth + 1) : n ? [n] : []));
    const stores = (): string[] => reach(wired).filter((n) => n.type === 'csv-store').map((n) => n.id);
    // the one that gets the very message (Node-RED's first wire; the others get copies)
    const firstStore = (): string | null => (RED.nodes.getNode(wired[0] ?? '')?.type === 'csv-store' ? wired[0] : null);
    const figures = new ReceiverFigures();
    let endpoint: CmxEndpoint | null = null;
    const status = new ThrottledStatus(node, () => {
      const { last, refusedTimes: r } = figures;
      const state = endpoint?.state ?? 'starting';
      if (state !== 'ready') return { fill: state === 'failed' ? 'red' : 'yellow', shape: 'ring', text: RED._(`cmx-receiver.status.${state}`) };
      if (last) return { fill: 'yellow', shape: 'ring', text: RED._('cmx-receiver.status.rejected', { ...last, n: compact(last.n) }) };
      return { fill: r ? 'yellow' : 'green', shape: 'dot', text: RED._(`cmx-receiver.status.${r ? 'rateRefused' : 'rate'}`, { n: compact(figures.sent.total()), r: compact(r) }) };
    });
    const warnOnce = (key: string, text: string): void => void (figures.warnDue(key) && node.warn(text));

    try {
      const urlPath = receiverPath(config.path);
      if (!urlPath) throw new Error(RED._('cmx-receiver.errors.path'));
      const intake = intakeOptions(config, creds.salt);
      const claim = routes.claim(node, urlPath, {
        get: (_req, res) => void res.status(200).type('text/plain').send(validator),
        post: (req, res) => void endpoint?.post(req, res),
      }, undefined);
      if (!claim.ok) throw new Error(RED._('cmx-receiver.errors.pathInUse', { path: urlPath, other: claim.owner.id }));
      const spool = spoolLocation(RED.settings.userDir || path.join(os.homedir(), '.node-red'), config.spool, urlPath);
      const limit = Math.round(numberOr(config.maxBodyMB, MAX_BODY_MB) * 1024 * 1024);
      endpoint = new CmxEndpoint({ secret, limit, intake, spool, ...shared }, {
        send: (msg) => node.send(msg),
        stores,
        firstStore,
        sent: (n) => (figures.sent.add(n), status.touch()),
        refused: (n, reason) => ((figures.refusedTimes += n), warnOnce('time', RED._('cmx-receiver.errors.refusedTimes', { n, reason }))),
        error: (text) => node.error(RED._('cmx-receiver.errors.process', { reason: text })),
        rejected: (code, error, from) => {
          figures.reject(code, error);
          status.touch();
          warnOnce(error, RED._('cmx-receiver.errors.rejected', { code, reason: error, from }));
        },
        accepted: () => void (figures.last = null),
        opened: (n) => {
          if (n) node.log(RED._('cmx-receiver.log.replay', { n, dir: spool.dir }));
          if (!stores().length) node.log(RED._('cmx-receiver.log.noStore'));
          status.touch();
        },
        spoolFailed: (reason) => (node.error(RED._('cmx-receiver.errors.spool', { dir: spool.dir, reason })), status.touch()),
        warn: (text) => node.warn(text),
        workerStopped: (reason, ms) => node.warn(RED._('cmx-receiver.errors.worker', { reason, s: (ms / 1000).toFixed(1) })),
      });
    } catch (err) {
      failConfig(node, (err as Error).message, RED._('cmx-receiver.status.config'));
      return;
    }
    if (!validator) node.warn(RED._('cmx-receiver.errors.noValidator'));
    if (!secret) node.warn(RED._('cmx-receiver.errors.noSecret'));
    status.touch();
    // Open the spool, wait for the nodes this one is wired to, then replay what a crash left.
    endpoint.open(() => wired.every((id) => RED.nodes.getNode(id)));

    node.on('close', (_removed: boolean, done: () => void) => {
      // Finish what was accepted (the csv-store takes it before it closes), then wait for its acks.
      status.stop();
      endpoint!.close().catch((err: Error) => node.error(err.message)).then(() => done());
    });
  }

  RED.nodes.registerType('cmx-receiver', CmxReceiverNode, {
    credentials: { validator: { type: 'text' }, secret: { type: 'password' }, salt: { type: 'password' } },
  });
};
