/**
 * Locked down: loopback by default; the editor and admin API behind adminAuth when
 * NODE_RED_ADMIN_PASSWORD (or a hash) is set; /ui and /analytics/* behind basic auth when
 * DASHBOARD_USER/DASHBOARD_PASSWORD are set, /cmx still open (its secret guards it); credentials
 * encrypted with NODE_RED_CREDENTIAL_SECRET; no secret in exported flows, logs or status texts.
 */
import { strict as assert } from 'assert';
import { createDecipheriv, createHash } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, startApp } from '../support/app';
import { fixture } from '../support/fixtures';
import { socketConnect } from '../support/socketio';

const SECRET = 's3cr3t-shared-value'; // the fixtures' secret
const VALIDATOR = 'validator-5c1e7a';
const API_KEY = 'apikey-0123456789abcdef-not-real';
const ADMIN_PASSWORD = 'admin-password-9f8e7d';
const DASH_USER = 'viewer';
const DASH_PASSWORD = 'dashboard-password-1a2b3c';
const CRED_SECRET = 'credential-secret-77aa88bb';
const SECRETS = [SECRET, API_KEY, ADMIN_PASSWORD, DASH_PASSWORD, CRED_SECRET];

const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

async function token(app: App, password: string): Promise<Response> {
  return fetch(`${app.base}/admin/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password }).toString(),
  });
}

function notSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `a secret appears in ${where}`);
}

describe('security: locked down by default, protected when asked', function () {
  this.timeout(120000);

  describe('by default', function () {
    let app: App;
    before(async function () {
      app = await startApp({ CMX_SECRET: SECRET, CMX_VALIDATOR: VALIDATOR, MERAKI_API_KEY: API_KEY });
    });
    after(async function () {
      await app.stop();
      app.cleanup();
    });

    it('listens on loopback only', async function () {
      const other = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
      if (!other) this.skip();
      await assert.rejects(
        new Promise<void>((resolve, reject) => {
          const s = net.connect(app.port, other!.address, () => { s.end(); resolve(); });
          s.on('error', reject);
        }),
        /ECONNREFUSED/,
      );
    });

    it('keeps secrets out of the exported flow, the logs and the status texts', async function () {
      // status texts go to the editor over its websocket: listen while good and bad posts arrive
      const { WebSocket } = require(require.resolve('ws', { paths: [path.dirname(require.resolve('node-red'))] }));
      const ws = new WebSocket(`ws://127.0.0.1:${app.port}/admin/comms`);
      const frames: string[] = [];
      await new Promise((r) => ws.on('open', r));
      ws.send(JSON.stringify({ subscribe: 'status/#' }));
      ws.on('message', (d: Buffer) => frames.push(d.toString()));
      for (const body of [fixture('B-6'), { ...(fixture('B-6') as object), secret: 'wrong' }, { ...(fixture('B-6') as object), secret: SECRET + 'x' }]) {
        await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      }
      await new Promise((r) => setTimeout(r, 1500));
      ws.close();
      assert.ok(frames.length > 0, 'status updates were seen');
      notSecret(frames.join('\n'), 'the status texts');
      const flows = await (await fetch(`${app.base}/admin/flows`)).text();
      notSecret(flows, 'the exported flows');
      assert.match(flows, /cmx-receiver/);
      notSecret(app.output(), 'the log');
    });
  });

  describe('with NODE_RED_ADMIN_PASSWORD, DASHBOARD_USER/PASSWORD and NODE_RED_CREDENTIAL_SECRET', function () {
    let app: App;
    before(async function () {
      app = await startApp({
        CMX_SECRET: SECRET, CMX_VALIDATOR: VALIDATOR, MERAKI_API_KEY: API_KEY,
        NODE_RED_ADMIN_PASSWORD: ADMIN_PASSWORD, DASHBOARD_USER: DASH_USER, DASHBOARD_PASSWORD: DASH_PASSWORD,
        NODE_RED_CREDENTIAL_SECRET: CRED_SECRET,
      });
    });
    after(async function () {
      await app.stop();
      app.cleanup();
    });

    it('protects the editor and admin API', async function () {
      assert.equal((await fetch(`${app.base}/admin/flows`)).status, 401);
      assert.equal((await token(app, 'wrong')).status, 403);
      const res = await token(app, ADMIN_PASSWORD);
      assert.equal(res.status, 200);
      const { access_token } = await res.json();
      const flows = await fetch(`${app.base}/admin/flows`, { headers: { Authorization: `Bearer ${access_token}` } });
      assert.equal(flows.status, 200);
      notSecret(await flows.text(), 'the exported flows');
    });

    const socket = (headers: Record<string, string>) => socketConnect(`${app.base}/ui/socket.io`, headers);

    it('protects the dashboard, its websocket and /analytics/*, and leaves /cmx open', async function () {
      for (const p of ['/ui/', '/analytics/summary', '/analytics/mvData.csv']) {
        const res = await fetch(app.base + p);
        assert.ok(res.status === 401 || res.status === 400 || res.status === 403, `${p} answered ${res.status} without credentials`);
        const wrong = await fetch(app.base + p, { headers: { Authorization: basic(DASH_USER, 'nope') } });
        assert.notEqual(wrong.status, 200, `${p} with a wrong password`);
      }
      assert.match((await fetch(`${app.base}/ui/`)).headers.get('www-authenticate') ?? '', /Basic/);
      const auth = { Authorization: basic(DASH_USER, DASH_PASSWORD) };
      assert.equal((await fetch(`${app.base}/ui/`, { headers: auth })).status, 200);
      assert.equal((await fetch(`${app.base}/analytics/summary`, { headers: auth })).status, 200);
      // The websocket (socket.io) gives the dashboard its data: refused without the credentials,
      // at the handshake itself (issue 10: before engine.io opens a session).
      assert.equal(await socket({}), 'handshake 401');
      assert.equal(await socket({ Authorization: basic(DASH_USER, 'nope') }), 'handshake 401');
      assert.match(await socket(auth), /^40\{"sid"/);
      // Meraki needs no dashboard password: the validator and posts work as before
      const get = await fetch(`${app.base}/cmx`);
      assert.equal(get.status, 200);
      assert.equal(await get.text(), VALIDATOR);
      const post = await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fixture('B-6')) });
      assert.equal(post.status, 202);
    });

    it('encrypts the credentials file with NODE_RED_CREDENTIAL_SECRET', async function () {
      const { access_token } = await (await token(app, ADMIN_PASSWORD)).json();
      const headers = { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' };
      // A key typed into the editor: it must never be stored in clear.
      const flows = await (await fetch(`${app.base}/admin/flows`, { headers })).json();
      const api = flows.find((n: any) => n.type === 'meraki-api');
      api.credentials = { apiKey: 'typed-in-key-4455' };
      assert.equal((await fetch(`${app.base}/admin/flows`, { method: 'POST', headers, body: JSON.stringify(flows) })).status, 204);
      const file = path.join(app.userDir, 'flows_cred.json');
      const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.deepEqual(Object.keys(stored), ['$']);
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!text.includes('typed-in-key-4455'));
      notSecret(text, 'the credentials file');
      // Node-RED's format: 16-byte IV (hex) + AES-256-CTR(sha256(secret)) in base64
      const iv = Buffer.from(stored.$.slice(0, 32), 'hex');
      const key = createHash('sha256').update(CRED_SECRET).digest();
      const d = createDecipheriv('aes-256-ctr', key, iv);
      const clear = JSON.parse(d.update(stored.$.slice(32), 'base64', 'utf8') + d.final('utf8'));
      assert.equal(clear[api.id].apiKey, 'typed-in-key-4455');
      notSecret(app.output(), 'the log');
    });
  });

  describe('with NODE_RED_ADMIN_PASSWORD_HASH', function () {
    it('accepts the password whose bcrypt hash is given', async function () {
      const hash = require('bcryptjs').hashSync('hashed-password-1', 8);
      const app = await startApp({ NODE_RED_ADMIN_PASSWORD_HASH: hash });
      try {
        assert.equal((await fetch(`${app.base}/admin/flows`)).status, 401);
        assert.equal((await token(app, 'hashed-password-1')).status, 200);
        assert.equal((await token(app, 'hashed-password-2')).status, 403);
      } finally {
        await app.stop();
        app.cleanup();
      }
    });
  });
});
