/**
 * cmx-receiver node in a real Node-RED runtime (node-red-node-test-helper), its RED.httpNode
 * served on loopback: batches (`output: post`), one message per observation, the spool (a 202
 * only once spooled, replay after a restart, nothing twice), no spool without a csv-store, 503
 * with Retry-After beyond the bound.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { CsvFile } from '../../src/lib/csv-file';
import { keep, normalise, observationFilter, readPost } from '../../src/lib/scanning';
import { Spool } from '../../src/lib/spool';
import { fixture } from '../support/fixtures';
import { collect, helper, nodeModule, settle, waitFor } from '../support/red';

const SECRET = 's3cr3t-shared-value';
const HEADER = 'time,clientMac,apMac,rssi,ssid,manufacturer,os,ipv4,lat,lng,unc,x,y,floor,networkId,radio,version';

describe('cmx-receiver node', function () {
  this.timeout(20000);
  let dir: string;
  let csv: string;
  let spoolDir: string;
  let httpNode: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | null = null;
  let server: http.Server;
  let base: string;

  before(async function () {
    server = http.createServer((req, res) => (httpNode ? httpNode(req, res) : res.writeHead(503).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmx-receiver-'));
    csv = path.join(dir, 'cmxData.csv');
    spoolDir = path.join(dir, 'spool');
  });

  afterEach(async function () {
    await helper.unload();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function load(receiver: Record<string, unknown> = {}, store: Record<string, unknown> | null = {}): Promise<void> {
    const flow: object[] = [
      {
        id: 'rx', type: 'cmx-receiver', path: '/cmx', minRssi: 15, apMacs: '', radio: 'both', anonymise: false, hashFormat: 'mac',
        maxBodyMB: 25, output: 'post', spool: spoolDir, wires: [store ? ['store', 'all'] : ['all']], ...receiver,
      },
      { id: 'all', type: 'helper' },
    ];
    if (store) flow.push({ id: 'store', type: 'csv-store', filename: csv, columns: HEADER, serve: false, wires: [['stored']], ...store }, { id: 'stored', type: 'helper' });
    const capture = (RED: any): void => {
      httpNode = RED.httpNode;
    };
    await helper.load([capture, nodeModule('cmx-receiver'), nodeModule('csv-store')], flow, { rx: { validator: 'v', secret: SECRET } });
  }

  async function post(body: unknown): Promise<{ status: number; json: any; retryAfter: string | null }> {
    const res = await fetch(`${base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json(), retryAfter: res.headers.get('retry-after') };
  }

  const rows = (): string[] => (fs.existsSync(csv) ? fs.readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1) : []);
  const spoolFiles = (): string[] => (fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir).filter((f) => f.endsWith('.spool')) : []);

  it('output post: one message per accepted post, its kept observations in post order, msg.post', async function () {
    await load();
    const all = collect('all');
    const stored = collect('stored');
    assert.equal((await post(fixture('B-1'))).status, 202);
    assert.equal((await post(fixture('B-6'))).status, 202);
    await waitFor(() => stored.length === 2, 5000, 'two batches stored');
    assert.equal(all.length, 2);
    assert.deepEqual(all.map((m) => m.post), [{ version: '2.0', type: 'DevicesSeen', count: 1 }, { version: '3.0', type: 'WiFi', count: 2 }]);
    assert.deepEqual(all[1].payload.map((o: any) => o.time), ['2024-06-20T08:00:21.000Z', '2024-06-20T08:00:49.000Z']);
    assert.equal(all[0].topic, 'cmx/wifi');
    assert.equal(rows().length, 3);
  });

  it('output observation: one message per observation, as before', async function () {
    await load({ output: 'observation' });
    const all = collect('all');
    const stored = collect('stored');
    assert.equal((await post(fixture('B-6'))).status, 202);
    await waitFor(() => stored.length === 2, 5000, 'two observations stored');
    assert.ok(all.every((m) => !Array.isArray(m.payload) && m.payload.clientMac === '3c:22:fb:8e:19:0a'));
    assert.equal(rows().length, 2);
  });

  it('a flow without the option (written before it) keeps one message per observation', async function () {
    await load({ output: undefined });
    const stored = collect('stored');
    await post(fixture('B-6'));
    await waitFor(() => stored.length === 2, 5000, 'two messages');
  });

  it('spools each post before its 202 and deletes nothing it still needs; what a crash left is stored at start, once', async function () {
    // What a kill leaves: two accepted posts in the spool, one of them already in the CSV file.
    await load();
    const stored = collect('stored');
    await post(fixture('B-1'));
    await waitFor(() => stored.length === 1);
    await helper.unload();
    const spool = new Spool({ dir: spoolDir, name: 'cmx' });
    await spool.open();
    const body = (name: string) => Buffer.from(JSON.stringify({ ...(fixture(name) as object), secret: '' }));
    const a = await spool.append(body('B-5'));
    await spool.append(body('B-8'));
    await spool.close();
    // B-5's rows reached the file before the kill (with its journal intent): it must not come twice
    const f = new CsvFile({ file: csv, columns: HEADER.split(',') });
    const v = readPost(fixture('B-5'));
    assert.ok(v.ok);
    const list = normalise(v.post).filter((o) => keep(o, observationFilter({})));
    await f.appendOnce(list as unknown as Record<string, unknown>[], { spool: spool.id, seq: a, from: 0, count: list.length, total: list.length });
    await f.close();
    assert.equal(rows().length, 2);

    await load();
    await waitFor(() => rows().length === 3, 5000, 'B-8 replayed');
    await settle(300);
    const r = rows();
    assert.equal(r.length, 3, r.join('\n'));
    assert.equal(new Set(r).size, 3, 'no row twice');
    assert.match(r[2], /^2024-06-20T08:01:33\.000Z,3c:22:fb:8e:19:0a,/);
    // Once written, the spool keeps only its newest (empty) segment; a further restart adds nothing.
    await helper.unload();
    await load();
    await settle(500);
    assert.equal(rows().length, 3);
  });

  it('without a csv-store wired nothing is spooled', async function () {
    await load({}, null);
    const all = collect('all');
    assert.equal((await post(fixture('B-1'))).status, 202);
    await waitFor(() => all.length === 1);
    const segments = spoolFiles().map((f) => fs.statSync(path.join(spoolDir, f)).size);
    assert.deepEqual(segments, [0]);
  });

  it('503 with Retry-After once accepted posts not yet stored pass the bound; none of them lost', async function () {
    // A csv-store that cannot write: nothing is ever stored, so what was accepted stays waiting.
    fs.writeFileSync(path.join(dir, 'blocker'), 'a file, not a folder');
    await load({ maxPendingMB: 0.001 }, { filename: path.join(dir, 'blocker', 'cmxData.csv') });
    assert.equal((await post(fixture('B-1'))).status, 202, 'one post always gets in');
    const r = await post(fixture('B-5'));
    assert.equal(r.status, 503);
    assert.deepEqual(r.json, { error: 'busy, retry later' });
    assert.equal(r.retryAfter, '2');
    await helper.unload();
    // The accepted one is still in the spool for the next start.
    const spool = new Spool({ dir: spoolDir, name: 'cmx' });
    assert.equal((await spool.open()).length, 1);
    await spool.close();
  });
});
