/**
 * The published package: `npm pack` holds what Node-RED needs and nothing else, installs into a
 * fresh Node-RED user directory, loads its nodes there, and its examples deploy and run.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from '../support/app';
import { installInto, pack, PlainRed, startPlainRed } from '../support/plain-red';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

describe('npm pack: the package as users install it', function () {
  this.timeout(180000);
  let tmp: string;
  let tarball: string;
  let files: string[];
  let red: PlainRed | undefined;
  let base = '';
  const log = () => red?.log() ?? '';

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meraki-pack-'));
    ({ tarball, files } = pack(tmp));
  });

  after(async function () {
    await red?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('contains the compiled nodes with their editor files, the examples, README and LICENSE, and no sources', function () {
    for (const type of Object.keys(pkg['node-red'].nodes)) {
      for (const f of [`dist/nodes/${type}/${type}.js`, `dist/nodes/${type}/${type}.html`, `dist/nodes/${type}/locales/en-US/${type}.json`, `dist/nodes/${type}/locales/en-US/${type}.html`]) {
        assert.ok(files.includes(f), `${f} missing from the package`);
      }
    }
    for (const f of ['package.json', 'README.md', 'LICENSE']) assert.ok(files.includes(f), f);
    assert.ok(files.some((f) => f.startsWith('examples/') && f.endsWith('.json')), 'examples');
    const stray = files.filter((f) => /^(src|nodes|test|bench|scripts|flows)\//.test(f) || f.endsWith('.ts'));
    assert.deepEqual(stray, []);
    assert.equal(pkg['node-red'].version, '>=4.0.0');
    assert.ok(pkg.keywords.includes('node-red'));
  });

  it('installs into a Node-RED user directory and its nodes load there', async function () {
    const userDir = path.join(tmp, 'user');
    installInto(userDir, [tarball]);
    red = await startPlainRed(userDir, tmp, { credentialSecret: 'pack-test', telemetry: { enabled: false }, logging: { console: { level: 'info' } } });
    base = red.base;
    const res = await fetch(`${base}/nodes`, { headers: { Accept: 'application/json' } });
    const sets: { module: string; types: string[]; enabled: boolean; err?: string }[] = await res.json();
    const ours = sets.filter((s) => s.module === pkg.name);
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), Object.keys(pkg['node-red'].nodes).sort());
    for (const s of ours) {
      assert.equal(s.err, undefined, s.err);
      assert.ok(s.enabled, JSON.stringify(s));
    }
    // The help texts and message catalogues are served to the editor.
    const cat = await (await fetch(`${base}/locales/${pkg.name}/csv-store?lng=en-US`)).json();
    assert.equal(cat['csv-store'].label.filename, 'File');
  });

  it('offers the examples under Import > Examples, and they deploy without errors', async function () {
    const list = await (await fetch(`${base}/library/examples/flows/${pkg.name}`)).json();
    const names = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    const offered = (Array.isArray(list) ? list : []).map((e: any) => (typeof e === 'string' ? e : e.fn)).map((f: string) => f.replace(/\.json$/, ''));
    for (const n of names) assert.ok(offered.includes(n), `example "${n}" not offered: ${JSON.stringify(list)}`);

    assert.ok((Array.isArray(list) ? list : []).includes('dashboard'), `the dashboard folder is offered: ${JSON.stringify(list)}`);
    // The per-node examples deploy as they are (the dashboard one needs node-red-dashboard: test/integration/editor.test.ts).
    const flows = names.flatMap((n) => JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', `${n}.json`), 'utf8')));
    const ids = flows.map((n: any) => n.id);
    assert.equal(new Set(ids).size, ids.length, 'example node ids are unique');
    const before = log().length;
    const res = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flows),
    });
    assert.equal(res.status, 204, await res.text());
    const end = Date.now() + 10000;
    while (!/Started flows/.test(log().slice(before)) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const after = log().slice(before);
    assert.match(after, /Started flows/);
    assert.doesNotMatch(after, /\[error\]|missing types|Waiting for missing/i, after);
  });

  it('receives Scanning API posts even when Node-RED (editor at /) parsed the body first', async function () {
    const csv = path.join(tmp, 'packtest-cmx.csv');
    const flows = await (await fetch(`${base}/flows`)).json();
    flows.push(
      { id: 'pk-tab', type: 'tab', label: 'pack test' },
      {
        id: 'pk-cmx', type: 'cmx-receiver', z: 'pk-tab', name: '', path: '/cmx-pack', minRssi: 15, apMacs: '', radio: 'both',
        anonymise: false, hashFormat: 'mac', maxBodyMB: 25, wires: [['pk-csv']],
        credentials: { validator: 'pack-validator', secret: 's3cr3t-shared-value' },
      },
      { id: 'pk-csv', type: 'csv-store', z: 'pk-tab', name: '', filename: csv, columns: 'time,clientMac,rssi', serve: false, wires: [[]] },
    );
    const res = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flows),
    });
    assert.equal(res.status, 204);
    const end = Date.now() + 10000;
    let get: Response | null = null;
    while (Date.now() < end) {
      get = await fetch(`${base}/cmx-pack`);
      if (get.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await get!.text(), 'pack-validator');
    const body = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'B-6.json'), 'utf8');
    const post = await fetch(`${base}/cmx-pack`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(post.status, 202);
    while (Date.now() < end && !(fs.existsSync(csv) && fs.readFileSync(csv, 'utf8').split('\n').length === 4)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(
      fs.readFileSync(csv, 'utf8'),
      'time,clientMac,rssi\n2024-06-20T08:00:21.000Z,3c:22:fb:8e:19:0a,46\n2024-06-20T08:00:49.000Z,3c:22:fb:8e:19:0a,48\n',
    );
    const bad = await fetch(`${base}/cmx-pack`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body.replace('s3cr3t', 'wrong') });
    assert.equal(bad.status, 403);
  });
});
