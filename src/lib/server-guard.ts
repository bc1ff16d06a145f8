/**
 * What `npm start`'s HTTP server refuses before any route sees a request (settings.js wires it
 * to the server Node-RED creates): a path whose %-escapes do not decode (Express answered those
 * with a stack trace and install paths, unauthenticated under /admin); and, with dashboard
 * credentials set, any request to the dashboard's websocket (socket.io) without them, so that
 * the handshake itself is refused (node-red-dashboard's ioMiddleware runs only after engine.io has
 * opened a session: 150,000 handshakes took 726 MB). Pure: the decision only.
 */
import { checkBasicAuth, isUnder } from './basic-auth';

export interface GuardOptions {
  /** paths of websocket endpoints that need the credentials, with everything below them, e.g. ['/ui/socket.io'] */
  socketPaths: readonly string[];
  /** dashboard credentials; both empty → nothing is protected */
  user: string;
  password: string;
}

export type Refusal = { status: 400 | 401; error: string } | null;

/** Why the request is refused, or null to let it through. */
export function screenRequest(url: string | undefined, authorization: unknown, options: GuardOptions): Refusal {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  try {
    decodeURIComponent(path);
  } catch {
    return { status: 400, error: 'malformed URL' };
  }
  if (options.user === '' || options.password === '') return null;
  if (isUnder(path, options.socketPaths)) {
    if (!checkBasicAuth(authorization, options.user, options.password)) return { status: 401, error: 'authentication required' };
  }
  return null;
}

type Res = { headersSent: boolean; status(code: number): { json(body: unknown): void } };

/**
 * An Express error handler for our own routes (e.g. /analytics/:file): a malformed %-escape in
 * a route parameter is answered with a plain 400 instead of Express's page with the stack trace
 * (which it shows unless NODE_ENV is production). Anything else goes on.
 */
export function malformedUrl(err: unknown, _req: unknown, res: Res, next: (err?: unknown) => void): void {
  if (err instanceof URIError && !res.headersSent) {
    res.status(400).json({ error: 'malformed URL' });
    return;
  }
  next(err);
}
