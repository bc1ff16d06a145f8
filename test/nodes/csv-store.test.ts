import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { collect, getNode, helper, nodeModule, settle, waitFor } from '../support/red';

// the module instance the compiled nodes use
const { forgetReportedEnv } = require('../../dist/src/red/config') as typeof import('../../src/red/config');

const MV_COLUMNS = 'serial,zone,timeIn,timeOut,durationS,peakPeople,messages';

const activity = (i: number) => ({
  serial: 'Q2GV-7HJK-2LMN',
  zone: '0',
  tsIn: 1718870400000 + i * 1000,
  tsOut: 1718870460000 + i * 1000,
  timeIn: new Date(1718870400000 + i * 1000).toISOString(),
  timeOut: new Date(1718870460000 + i * 1000).toISOString(),
  durationS: 60,
  peakPeople: 3,
  messages: 80,
});

const row = (i: number) => {
  const a = activity(i);
  return `${a.serial},${a.zone},${a.timeIn},${a.timeOut},60,3,80`;
};

describe('csv-store node', function () {
  let dir: string;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-store-'));
  });

  afterEach(async function () {
    await helper.unload();
    delete process.env.CSV_TEST_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function flow(config: Record<string, unknown> = {}, id = 's') {
    return [
      { id, type: 'csv-store', name: '', filename: path.join(dir, 'mvData.csv'), columns: MV_COLUMNS, serve: false, wires: [['out']], ...config },
      { id: 'out', type: 'helper' },
      { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  it('writes the header once and passes each message on after its row is written', async function () {
    await helper.load(nodeModule('csv-store'), flow());
    const out = collect('out');
    const file = path.join(dir, 'mvData.csv');
    const seen: string[] = [];
    getNode('out').on('input', () => seen.push(fs.readFileSync(file, 'utf8')));
    const s = getNode('s');
    s.receive({ payload: activity(0) });
    s.receive({ payload: activity(1) });
    await waitFor(() => out.length === 2);
    // When a message came out, its row was already in the file.
    assert.ok(seen[0].includes(row(0)));
    assert.ok(seen[1].includes(row(1)));
    assert.equal(fs.readFileSync(file, 'utf8'), `${MV_COLUMNS}\n${row(0)}\n${row(1)}\n`);
    assert.deepEqual(out[0].payload, activity(0), 'message passed through unchanged');
  });

  it('writes an array as many rows, in order, in one message', async function () {
    await helper.load(nodeModule('csv-store'), flow());
    const out = collect('out');
    getNode('s').receive({ payload: [activity(0), activity(1), activity(2)] });
    await waitFor(() => out.length === 1);
    assert.equal(fs.readFileSync(path.join(dir, 'mvData.csv'), 'utf8'), `${MV_COLUMNS}\n${row(0)}\n${row(1)}\n${row(2)}\n`);
  });

  it('keeps the order of many messages sent at once (queued and batched, never interleaved)', async function () {
    await helper.load(nodeModule('csv-store'), flow());
    const out = collect('out');
    const s = getNode('s');
    for (let i = 0; i < 2000; i++) s.receive({ payload: activity(i) });
    await waitFor(() => out.length === 2000, 10000);
    const lines = fs.readFileSync(path.join(dir, 'mvData.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 2001);
    assert.equal(lines[0], MV_COLUMNS);
    lines.slice(1).forEach((l, i) => assert.equal(l, row(i)));
    assert.deepEqual(out.map((m) => m.payload.tsIn), Array.from({ length: 2000 }, (_, i) => activity(i).tsIn));
  });

  it('takes the first record\'s keys when no columns are set, and defuses formulas', async function () {
    await helper.load(nodeModule('csv-store'), flow({ columns: '', filename: path.join(dir, 'x.csv') }));
    const out = collect('out');
    const s = getNode('s');
    s.receive({ payload: { ssid: '=HYPERLINK("http://evil")', rssi: -47, nested: { a: [1, 2] }, none: null } });
    s.receive({ payload: { ssid: '@SUM(1)', rssi: 40, extra: 'ignored' } });
    await waitFor(() => out.length === 2);
    assert.equal(
      fs.readFileSync(path.join(dir, 'x.csv'), 'utf8'),
      'ssid,rssi,nested,none\n' + `"'=HYPERLINK(""http://evil"")",-47,"{""a"":[1,2]}",\n` + "'@SUM(1),40,,\n",
    );
  });

  it('expands ${VAR} in the file name from the environment', async function () {
    process.env.CSV_TEST_DIR = path.join(dir, 'sub', 'dir');
    await helper.load(nodeModule('csv-store'), flow({ filename: '${CSV_TEST_DIR}/mvData.csv' }));
    const out = collect('out');
    getNode('s').receive({ payload: activity(0) });
    await waitFor(() => out.length === 1);
    assert.equal(fs.readFileSync(path.join(dir, 'sub', 'dir', 'mvData.csv'), 'utf8'), `${MV_COLUMNS}\n${row(0)}\n`);
  });

  it('without DATA_DIR: the file goes to "data" in Node-RED\'s user directory, said once as info, no error', async function () {
    const saved = process.env.DATA_DIR;
    delete process.env.DATA_DIR;
    forgetReportedEnv();
    helper.settings({ userDir: dir });
    try {
      await helper.load(nodeModule('csv-store'), flow({ filename: '${DATA_DIR}/mvData.csv' }));
      const out = collect('out');
      const s = getNode('s');
      s.receive({ payload: activity(0) });
      await waitFor(() => out.length === 1);
      assert.equal(fs.readFileSync(path.join(dir, 'data', 'mvData.csv'), 'utf8'), `${MV_COLUMNS}\n${row(0)}\n`);
      const calls = (method: string) => (s as any)[method].getCalls().filter((c: any) => c.thisValue === s).map((c: any) => String(c.args[0]));
      assert.deepEqual(calls('log'), [`environment variable DATA_DIR is not set: using "data" (a folder in Node-RED's user directory)`]);
      assert.deepEqual(calls('error'), []);
    } finally {
      helper.settings({});
      if (saved !== undefined) process.env.DATA_DIR = saved;
    }
  });

  it('says which variable is missing and reports messages to a catch node', async function () {
    await helper.load(nodeModule('csv-store'), flow({ filename: '${CSV_TEST_MISSING}/mvData.csv' }));
    const caught = collect('caught');
    const s = getNode('s');
    const errors = (s.error as any).getCalls().filter((c: any) => c.thisValue === s).map((c: any) => String(c.args[0]));
    assert.ok(errors.some((e: string) => /CSV_TEST_MISSING is not set/.test(e)), errors.join('; '));
    s.receive({ payload: activity(0) });
    await waitFor(() => caught.length === 1);
    assert.match(caught[0].error.message, /no file configured/);
  });

  it('rejects payloads that are not records with an error a catch node sees, and writes nothing of them', async function () {
    await helper.load(nodeModule('csv-store'), flow());
    const caught = collect('caught');
    const out = collect('out');
    const s = getNode('s');
    s.receive({ payload: 'a string' });
    s.receive({ payload: [activity(0), 42] });
    s.receive({ payload: activity(1) });
    await waitFor(() => caught.length === 2 && out.length === 1);
    assert.match(caught[0].error.message, /object or an array of objects/);
    assert.equal(fs.readFileSync(path.join(dir, 'mvData.csv'), 'utf8'), `${MV_COLUMNS}\n${row(1)}\n`);
  });

  it('repairs a torn last line left by a crash before appending', async function () {
    const file = path.join(dir, 'mvData.csv');
    fs.writeFileSync(file, `${MV_COLUMNS}\n${row(0)}\nQ2GV-7HJK-2LMN,0,2024-06-20T08:0`);
    await helper.load(nodeModule('csv-store'), flow());
    const out = collect('out');
    getNode('s').receive({ payload: activity(1) });
    await waitFor(() => out.length === 1);
    assert.equal(fs.readFileSync(file, 'utf8'), `${MV_COLUMNS}\n${row(0)}\n${row(1)}\n`);
  });

  it('lets two nodes share one file without a second header or torn lines', async function () {
    const file = path.join(dir, 'mvData.csv');
    await helper.load(nodeModule('csv-store'), [
      ...flow({}, 's'),
      { id: 's2', type: 'csv-store', name: '', filename: file, columns: MV_COLUMNS, serve: false, wires: [['out']] },
    ]);
    const out = collect('out');
    for (let i = 0; i < 500; i++) getNode(i % 2 ? 's2' : 's').receive({ payload: activity(i) });
    await waitFor(() => out.length === 500, 10000);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.filter((l) => l === MV_COLUMNS).length, 1);
    assert.equal(lines.length, 501);
    assert.deepEqual(new Set(lines.slice(1)), new Set(Array.from({ length: 500 }, (_, i) => row(i))));
  });

  it('writes out everything queued when the flow stops', async function () {
    await helper.load(nodeModule('csv-store'), flow());
    const s = getNode('s');
    for (let i = 0; i < 3000; i++) s.receive({ payload: activity(i) });
    await settle(0);
    await helper.clearFlows();
    const lines = fs.readFileSync(path.join(dir, 'mvData.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3001);
  });
});
