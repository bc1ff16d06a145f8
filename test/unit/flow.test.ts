/**
 * The supplied flow (flows/meraki-analytics.json): its dashboard templates match
 * flows/dashboard/*.html, it holds no secret, and its credentials file only references the
 * environment.
 */
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const flow: Record<string, any>[] = JSON.parse(fs.readFileSync(path.join(root, 'flows', 'meraki-analytics.json'), 'utf8'));
const creds: Record<string, Record<string, string>> = JSON.parse(fs.readFileSync(path.join(root, 'flows', 'meraki-analytics.credentials.json'), 'utf8'));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('the supplied flow', function () {
  it('has the dashboard templates of flows/dashboard/*.html (scripts/dashboard-flow.js --check)', function () {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'dashboard-flow.js'), '--check'], { stdio: 'pipe' });
  });

  it('uses every node type of this package, and only core and node-red-dashboard types besides', function () {
    const ours = Object.keys(pkg['node-red'].nodes);
    const types = new Set(flow.map((n) => n.type));
    for (const t of ours) assert.ok(types.has(t), `${t} is not in the supplied flow`);
    const allowed = new Set([...ours, 'tab', 'comment', 'mqtt in', 'mqtt-broker', 'change', 'join', 'status', 'ui_template', 'ui_tab', 'ui_group', 'ui_base']);
    for (const t of types) assert.ok(allowed.has(t), `unexpected node type ${t}`);
  });

  it('takes addresses, folders and secrets from the environment, never literally', function () {
    const text = JSON.stringify(flow);
    assert.doesNotMatch(text, /"(secret|validator|apiKey|password|salt)"\s*:\s*"[^"$]/);
    // core nodes: through the tab's environment, whose expressions read MQTT_URL / MQTT_PORT / MQTT_TOPIC
    // with the SPEC's defaults (under another name: a tab entry must not hide the process's variable)
    const tab = flow.find((n) => n.type === 'tab');
    const broker = flow.find((n) => n.type === 'mqtt-broker');
    assert.equal(broker?.broker, '${MV_MQTT_URL}');
    assert.equal(broker?.z, tab?.id, 'the broker sits on the tab, so that it sees the tab environment');
    assert.equal(flow.find((n) => n.type === 'mqtt in')?.topic, '${MV_MQTT_TOPIC}');
    assert.deepEqual(tab?.env, [
      { name: 'MV_MQTT_URL', value: "$env('MQTT_URL') ? $env('MQTT_URL') : 'mqtt://localhost:' & ($env('MQTT_PORT') ? $env('MQTT_PORT') : '1883')", type: 'jsonata' },
      { name: 'MV_MQTT_TOPIC', value: "$env('MQTT_TOPIC') ? $env('MQTT_TOPIC') : '/merakimv/#'", type: 'jsonata' },
    ]);
    assert.equal(flow.find((n) => n.type === 'meraki-api')?.baseUrl, '${MERAKI_API_BASE}');
    for (const n of flow.filter((x) => x.type === 'csv-store')) assert.match(n.filename, /^\$\{DATA_DIR\}\/(mvData|cmxData|correlation|crossings)\.csv$/);
    for (const [id, values] of Object.entries(creds)) {
      assert.ok(flow.some((n) => n.id === id), `credentials for a node that is not in the flow: ${id}`);
      for (const v of Object.values(values)) assert.match(v, /^\$\{[A-Z_]+\}$/);
    }
  });

  it('writes the four CSV files of SPEC section 5 with their contract columns, and serves them', function () {
    const columns: Record<string, string> = {
      'mvData.csv': 'serial,zone,timeIn,timeOut,durationS,peakPeople,messages',
      'cmxData.csv': 'time,clientMac,apMac,rssi,ssid,manufacturer,os,ipv4,lat,lng,unc,x,y,floor,networkId,radio,version',
      'correlation.csv': 'serial,zone,timeIn,timeOut,peakPeople,clientMac,seenTime,rssi,apMac',
      'crossings.csv': 'time,serial,boundaryId,label,event,objectType,objectId',
    };
    for (const [file, cols] of Object.entries(columns)) {
      const node = flow.find((n) => n.type === 'csv-store' && n.filename.endsWith('/' + file));
      assert.ok(node, file);
      assert.equal(node.columns, cols, file);
      assert.equal(node.serve, true, file);
    }
  });

  it('counts line crossings: mv sense → line-counter (beside activity, on the one MQTT subscription) → crossings.csv (msg.rows), rebuilt from it; the summary goes to the dashboard', function () {
    const byId = new Map(flow.map((n) => [n.id, n]));
    const lc = flow.find((n) => n.type === 'line-counter')!;
    const parse = flow.find((n) => n.wires?.[0]?.includes(lc.id))!;
    assert.equal(parse.type, 'mv-sense-parse');
    assert.ok(parse.wires[0].some((id: string) => byId.get(id)!.type === 'activity-detector'), 'the same parser feeds activity');
    assert.equal(flow.filter((n) => n.type === 'mqtt in').length, 1, 'one subscription: MQTT_TOPIC');
    const csv = byId.get(lc.wires[0][0])!;
    assert.equal(csv.type, 'csv-store');
    assert.equal(csv.property, 'rows');
    assert.equal(csv.filename, '${DATA_DIR}/crossings.csv');
    assert.equal(lc.replayCrossings, csv.filename);
    assert.equal(lc.areas, '${LINE_AREAS}');
    assert.equal(lc.api, flow.find((n) => n.type === 'meraki-api')!.id);
    assert.ok(lc.wires[1].length > 0, 'the summary is wired to the dashboard');
  });
});
