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

function basicAuth(req, res, next) {
  const { checkBasicAuth, isOpenPath } = require('./dist/src/lib/basic-auth');
  if (req.method === 'OPTIONS' || isOpenPath(req.path, OPEN_PATHS) || checkBasicAuth(req.headers.authorization, dashboardUser, dashboardPassword)) {
    return next();
  }
  res.set('WWW-Authenticate', 'Basic realm="Meraki Analytics", charset="UTF-8"');
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
