/**
 * HTTP endpoints on RED.httpNode owned by nodes (the core http-in discipline, plus one owner per key).
 *
 *   const downloads = new Routes(RED, { methods: ['get'], path: () => '/analytics/:file', key: (req) => req.params.file });
 *   const claim = downloads.claim(node, 'cmxData.csv', { get: (req, res) => ... }, data);
 *   if (!claim.ok) node.warn(`${claim.key} is served by node ${claim.owner.id}`);
 *
 * - An express route (method + path) is registered once per runtime, the first time a key needs it;
 *   after that requests are dispatched to the key's current owner, or to `next()` when it has none
 *   (so a redeploy never stacks handlers and a removed node stops answering).
 * - `path(key)` gives the express path for a key (default: the key itself, e.g. the receiver's
 *   `/cmx`); `key(req)` names the key of a request when one path serves many keys (default: the key
 *   whose path was registered).
 * - A second node claiming a key that another node holds is refused: `{ ok: false, owner, data }`
 *   names the holder (and the data it claimed with), the caller turns that into its own error text.
 * - A claim is released when the node closes (the helper listens for 'close'), or by `release()`.
 * - `serveJson(what, body, onError)` is a GET handler for a JSON document computed per request
 *   (`Cache-Control: no-store`); when `body()` throws: 503 `{"error": "<what> not available"}`
 *   and `onError(err)`.
 * - A path with parameters (`/analytics/:file`) also gets an error handler on its fixed part: a
 *   %-escape in a parameter that does not decode (`/analytics/%.csv`) is answered with a plain 400
 *   instead of Express's page with the stack trace and install paths (src/lib/server-guard).
 * - When HTTP nodes are disabled (`httpNodeRoot: false`) nothing is registered and the claiming node
 *   gets one warning that its endpoint is not served; the claim itself still succeeds.
 */
import type { Node, NodeAPI } from 'node-red';
import type { NextFunction, Request, Response } from 'express';
import { malformedUrl } from '../lib/server-guard';

export type Method = 'get' | 'post';
export type Handler = (req: Request, res: Response) => void;
export type Handlers = Partial<Record<Method, Handler>>;

export interface RouteOptions {
  methods: readonly Method[];
  /** express path for a key; default: the key itself */
  path?: (key: string) => string;
  /** the key a request is for, when one express path serves many keys; default: the path's key */
  key?: (req: Request) => string | undefined;
}

export type Claim<T> =
  | { ok: true; key: string; release(): void }
  | { ok: false; key: string; owner: Node; data: T };

interface Owner<T> {
  node: Node;
  handlers: Handlers;
  data: T;
}

export const HTTP_DISABLED = 'HTTP nodes are disabled (httpNodeRoot: false): __what__ is not served';

export class Routes<T = undefined> {
  private readonly owners = new Map<string, Owner<T>>();
  private readonly registered = new Set<string>();

  constructor(
    private readonly RED: NodeAPI,
    private readonly options: RouteOptions,
  ) {}

  /** True when Node-RED serves HTTP nodes (core http-in checks the same setting). */
  get enabled(): boolean {
    return this.RED.settings.httpNodeRoot !== false;
  }

  /** The node that holds `key`, if any. */
  owner(key: string): Node | undefined {
    return this.owners.get(key)?.node;
  }

  /** `node` takes `key`; refused when another node holds it. Released on the node's close. */
  claim(node: Node, key: string, handlers: Handlers, data: T): Claim<T> {
    const held = this.owners.get(key);
    if (held && held.node !== node) return { ok: false, key, owner: held.node, data: held.data };
    const entry: Owner<T> = { node, handlers, data };
    this.owners.set(key, entry);
    const release = (): void => {
      if (this.owners.get(key) === entry) this.owners.delete(key);
    };
    node.on('close', release);
    if (this.enabled) this.register(key);
    else node.warn(HTTP_DISABLED.replace('__what__', `${this.options.methods.join('/').toUpperCase()} ${this.pathOf(key)}`));
    return { ok: true, key, release };
  }

  private pathOf(key: string): string {
    return this.options.path ? this.options.path(key) : key;
  }

  private register(key: string): void {
    const path = this.pathOf(key);
    if (this.registered.has(path)) return;
    this.registered.add(path);
    const app = this.RED.httpNode;
    for (const method of this.options.methods) {
      const dispatch = (req: Request, res: Response, next: NextFunction): void => {
        const k = this.options.key ? this.options.key(req) : key;
        const handler = k === undefined ? undefined : this.owners.get(k)?.handlers[method];
        if (handler) handler(req, res);
        else next();
      };
      if (method === 'get') app.get(path, dispatch);
      else app.post(path, dispatch);
    }
    // (Express cannot match a path whose parameters do not decode: the handler goes on the fixed part)
    const colon = path.indexOf('/:');
    if (colon >= 0) app.use(path.slice(0, colon) || '/', malformedUrl);
  }
}

/** A handler answering `body()` as JSON, never cached; 503 when it cannot be built. */
export function serveJson(what: string, body: () => unknown, onError: (err: Error) => void): Handler {
  return (_req, res) => {
    try {
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).json(body());
    } catch (err) {
      onError(err as Error);
      res.status(503).json({ error: `${what} not available` });
    }
  };
}
