/**
 * Node-RED settings for `npm start` / `npm run demo` (see README.md). Every value can be
 * overridden from the environment; scripts/start.js fills in the defaults of SPEC section 5.
 * Reference for all options: https://nodered.org/docs/user-guide/runtime/settings-file
 */
'use strict';
const path = require('path');

const root = __dirname;

// Started by scripts/start.js: stop (flushing every CSV) when the launcher goes away, even if it was killed.
if (typeof process.send === 'function') {
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

module.exports = {
  uiHost: process.env.HOST || '127.0.0.1',
  uiPort: Number(process.env.PORT || 1880),

  userDir: process.env.NODE_RED_USER_DIR || path.join(root, '.node-red'),
  flowFile: 'flows.json',
  flowFilePretty: true,
  // Without NODE_RED_CREDENTIAL_SECRET, Node-RED generates a key and keeps it in the user directory.
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || undefined,

  // This package itself, loaded from the repository (examples included); node-red-dashboard is
  // found in ./node_modules.
  nodesDir: [root],

  // The editor and admin API live under /admin. At `/` (Node-RED's default) the admin app would
  // JSON-parse every request body first, /cmx posts included: with its own size limit and an HTML
  // error page for bad JSON. Under /admin, the Scanning API receiver reads its posts itself.
  httpAdminRoot: '/admin',
  apiMaxLength: '50mb',
  httpNodeRoot: '/',
  ui: { path: 'ui' },

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
