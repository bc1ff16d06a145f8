/**
 * Node-RED settings for `npm start` / `npm run demo` (see README.md). Every value can be
 * overridden from the environment; scripts/start.js fills in the defaults of SPEC section 5.
 * Reference for all options: https://nodered.org/docs/user-guide/runtime/settings-file
 */
'use strict';
const path = require('path');

const root = __dirname;
const env = process.env;

/**
 * Locked down by default (see README, "Security"): Node-RED listens on HOST (loopback); with
 * NODE_RED_ADMIN_PASSWORD (or a bcrypt NODE_RED_ADMIN_PASSWORD_HASH) the editor and admin API need
 * a login; with DASHBOARD_USER and DASHBOARD_PASSWORD the dashboard and every other HTTP path of
 * the flows (/analytics/*) need basic authentication, except the Scanning API receiver (/cmx), which
 * Meraki must reach and which checks its own secret.
 */
function adminAuth() {
  let hash = env.NODE_RED_ADMIN_PASSWORD_HASH;
  if (!hash && env.NODE_RED_ADMIN_PASSWORD) hash = require('bcryptjs').hashSync(env.NODE_RED_ADMIN_PASSWORD, 10);
  if (!hash) return undefined;
  return { type: 'credentials', users: [{ username: env.NODE_RED_ADMIN_USER || 'admin', password: hash, permissions: '*' }] };
}

const dashboardUser = env.DASHBOARD_USER || '';
const dashboardPassword = env.DASHBOARD_PASSWORD || '';
const protectHttp = dashboardUser !== '' && dashboardPassword !== '';
const OPEN_PATHS = ['/cmx'];
const REALM = 'Basic realm="Meraki Analytics", charset="UTF-8"';

function basicAuth(req, res, next) {
  const { checkBasicAuth, isUnder } = require('./dist/src/lib/basic-auth');
  if (req.method === 'OPTIONS' || isUnder(req.path, OPEN_PATHS) || checkBasicAuth(req.headers.authorization, dashboardUser, dashboardPassword)) {
    return next();
  }
  res.set('WWW-Authenticate', REALM);
  res.status(401).json({ error: 'authentication required' });
}

/** The dashboard's websocket: the same credentials, then node-red-dashboard's own checks. */
const dashboardSocketAuth = [
  (socket, next) => {
    const { checkBasicAuth } = require('./dist/src/lib/basic-auth');
    if (checkBasicAuth(socket.request.headers.authorization, dashboardUser, dashboardPassword)) return next();
    next(new Error('authentication required'));
  },
  (socket, next) => {
    // as node-red-dashboard does without an ioMiddleware: no direct websocket, no cross-site
    if (socket.client.conn.request.url.indexOf('transport=websocket') !== -1) return socket.client.conn.close();
    if (socket.handshake.xdomain === false) return next();
    socket.disconnect(true);
  },
];

/**
 * Node-RED creates its HTTP server with Node's defaults and offers no setting for it; the next
 * http.createServer() after this file is loaded is red.js's (HTTPS is not configured here). This
 * one-shot wrapper gives that server:
 * - shorter header and request timeouts (slow-header connections held the open-file limit: 60 s
 *   and 300 s by default; the receiver bounds bodies itself, see src/lib/http-body.ts);
 * - a screen in front of every listener (src/lib/server-guard.ts): a path with malformed
 *   %-escapes gets a plain 400 (Express answered with a stack trace and install paths), and with
 *   DASHBOARD_USER/PASSWORD the dashboard's websocket needs them for the handshake itself
 *   (node-red-dashboard's ui.ioMiddleware below runs only once engine.io has opened a session).
 * Only for `npm start`: a node must not change the user's own server.
 */
const SERVER_TIMEOUTS = { headersTimeout: 20_000, requestTimeout: 120_000, connectionsCheckingInterval: 5_000 };

function guardNextServer() {
  const http = require('http');
  const createServer = http.createServer;
  http.createServer = function (...args) {
    http.createServer = createServer;
    const options = typeof args[0] === 'object' && args[0] !== null ? args.shift() : {};
    const server = createServer.call(this, { ...SERVER_TIMEOUTS, ...options }, ...args);
    let screenRequest;
    try {
      ({ screenRequest } = require('./dist/src/lib/server-guard'));
    } catch (err) {
      console.warn(`[settings] no request screen (${err.message}): run the build (npm start does)`);
      return server;
    }
    const guard = { socketPaths: ['/ui/socket.io', '/dashboard/socket.io'], user: dashboardUser, password: dashboardPassword };
    const emit = server.emit;
    server.emit = function (event, req, out, ...rest) {
      if (event === 'request' || event === 'upgrade') {
        const refusal = screenRequest(req.url, req.headers.authorization, guard);
        if (refusal) {
          const body = JSON.stringify({ error: refusal.error });
          const auth = refusal.status === 401 ? `WWW-Authenticate: ${REALM}\r\n` : '';
          if (event === 'request') {
            out.writeHead(refusal.status, { 'Content-Type': 'application/json', Connection: 'close', ...(auth ? { 'WWW-Authenticate': REALM } : {}) });
            out.end(body);
          } else {
            const reason = refusal.status === 401 ? 'Unauthorized' : 'Bad Request';
            out.end(`HTTP/1.1 ${refusal.status} ${reason}\r\n${auth}Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
            out.destroySoon?.();
          }
          return true;
        }
      }
      return emit.call(this, event, req, out, ...rest);
    };
    return server;
  };
}
guardNextServer();

// Started by scripts/start.js: stop (flushing every CSV) when the launcher goes away, even if it was killed.
if (typeof process.send === 'function') {
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // …and tell it when the flows have started (it prints its ready line once HTTP answers too).
  try {
    require.main.require('@node-red/util').events.on('flows:started', () => process.connected && process.send({ event: 'flows-started' }));
  } catch {
    // another Node-RED layout: the launcher then prints no ready line
  }
}

module.exports = {
  uiHost: env.HOST || '127.0.0.1',
  uiPort: Number(process.env.PORT || 1880),

  userDir: process.env.NODE_RED_USER_DIR || path.join(root, '.node-red'),
  flowFile: 'flows.json',
  flowFilePretty: true,
  // Without NODE_RED_CREDENTIAL_SECRET, Node-RED generates a key and keeps it in the user directory.
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || undefined,

  // This package itself, loaded from the repository (examples included); node-red-dashboard is
  // found in ./node_modules (with NODE_RED_PATH: in the node_modules folders above that Node-RED).
  nodesDir: [root],

  // The editor and admin API live under /admin. At `/` (Node-RED's default) the admin app would
  // JSON-parse every request body first, /cmx posts included: with its own size limit and an HTML
  // error page for bad JSON. Under /admin, the Scanning API receiver reads its posts itself.
  httpAdminRoot: '/admin',
  apiMaxLength: '50mb',
  httpNodeRoot: '/',
  adminAuth: adminAuth(),
  // (a function here applies to every HTTP path of the flows and the dashboard; httpNodeMiddleware would
  // reach only core `http in` routes)
  httpNodeAuth: protectHttp ? basicAuth : undefined,
  ui: protectHttp ? { path: 'ui', ioMiddleware: dashboardSocketAuth } : { path: 'ui' },

  // The Scanning API receiver's bounds (src/lib/http-body.ts), process-wide: body bytes in flight
  // across all posts (default 64 MB) and posts read at once (default 64); beyond them 503 + Retry-After.
  cmxBodyBudgetMB: Number(env.CMX_BODY_BUDGET_MB) || undefined,
  cmxMaxRequests: Number(env.CMX_MAX_POSTS) || undefined,
  // Post worker threads per receiver (default 2, 1 on a single CPU): they parse and normalise posts.
  cmxWorkers: Number(env.CMX_WORKERS) || undefined,

  logging: {
    console: { level: process.env.NODE_RED_LOG_LEVEL || 'info', metrics: false, audit: false },
  },
  diagnostics: { enabled: true, ui: true },
  runtimeState: { enabled: false, ui: false },
  // No update checks or telemetry: nothing is downloaded at run time.
  telemetry: { enabled: false },
  externalModules: { autoInstall: false },
  functionExternalModules: false,
  exportGlobalContextKeys: false,
  // Reconnect to the MQTT broker 5 s after losing it (Node-RED's default is 15 s).
  mqttReconnectTime: 5000,
  editorTheme: {
    projects: { enabled: false },
    tours: false,
    page: { title: 'Meraki Analytics · Node-RED' },
    header: { title: 'Meraki Analytics' },
  },
};
