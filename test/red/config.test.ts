import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as path from 'path';
import { dataPath, envText, failConfig, forgetReportedEnv, fromSettings } from '../../src/red/config';

/** The parts of a node and of RED that the config helpers use. */
function fakeNode() {
  const node = new EventEmitter() as any;
  node.errors = [] as unknown[];
  node.statuses = [] as unknown[];
  node.error = (e: unknown) => node.errors.push(e);
  node.status = (s: unknown) => node.statuses.push(s);
  return node;
}
function fakeRed(env: Record<string, string>, fileWorkingDirectory?: string, userDir?: string) {
  return { settings: { fileWorkingDirectory, userDir }, util: { getSetting: (_n: unknown, name: string) => env[name] } } as any;
}

describe('config helpers (src/red/config)', function () {
  it('failConfig: the reason to the log, a red ring, and messages pass by with done()', function () {
    const node = fakeNode();
    failConfig(node, 'settings: windowS must be a number ≥ 0', 'check settings');
    assert.deepEqual(node.errors, ['settings: windowS must be a number ≥ 0']);
    assert.deepEqual(node.statuses, [{ fill: 'red', shape: 'ring', text: 'check settings' }]);
    let done = 0;
    node.emit('input', {}, () => assert.fail('nothing is sent'), (err?: Error) => {
      assert.equal(err, undefined);
      done += 1;
    });
    assert.equal(done, 1);
  });

  it('fromSettings: what the settings make, or null after failConfig with the node type\'s catalogue texts', function () {
    const red = { _: (key: string, v?: Record<string, unknown>) => (v ? `${key}: ${v.reason}` : key) } as any;
    const good = fakeNode();
    assert.deepEqual(fromSettings(red, good, 'x-node', () => ({ n: 1 })), { n: 1 });
    assert.deepEqual([good.errors, good.statuses, good.listenerCount('input')], [[], [], 0]);
    const bad = fakeNode();
    assert.equal(fromSettings(red, bad, 'x-node', () => { throw new Error('n must be a number'); }), null);
    assert.deepEqual(bad.errors, ['x-node.errors.config: n must be a number']);
    assert.deepEqual(bad.statuses, [{ fill: 'red', shape: 'ring', text: 'x-node.status.config' }]);
    assert.equal(bad.listenerCount('input'), 1, 'messages pass by');
  });

  it('dataPath: empty is null; ${VARS} are replaced; relative paths from fileWorkingDirectory, else the user directory', function () {
    const red = fakeRed({ DATA_DIR: '/srv/data' }, '/home/nr');
    assert.equal(dataPath(red, fakeNode(), ''), null);
    assert.equal(dataPath(red, fakeNode(), '   '), null);
    assert.equal(dataPath(red, fakeNode(), undefined), null);
    assert.equal(dataPath(red, fakeNode(), ' ${DATA_DIR}/mvData.csv '), '/srv/data/mvData.csv');
    assert.equal(dataPath(red, fakeNode(), 'data/x.csv'), '/home/nr/data/x.csv');
    assert.equal(dataPath(fakeRed({}, undefined, '/home/u/.node-red'), fakeNode(), 'meraki-data/x.csv'), '/home/u/.node-red/meraki-data/x.csv');
    assert.equal(dataPath(fakeRed({}), fakeNode(), 'data/x.csv'), path.resolve(process.cwd(), 'data/x.csv'));
    assert.throws(() => dataPath(red, fakeNode(), '${NOPE}/x.csv'), /environment variable NOPE is not set/);
  });

  it('envText / dataPath: an unset variable of the supplied application takes its default, said once per runtime as info', function () {
    forgetReportedEnv();
    const red = fakeRed({}, undefined, '/home/u/.node-red');
    const logs: string[] = [];
    const node = Object.assign(fakeNode(), { log: (t: string) => logs.push(t) });
    assert.equal(dataPath(red, node, '${DATA_DIR}/mvData.csv'), '/home/u/.node-red/data/mvData.csv');
    assert.equal(dataPath(red, node, '${DATA_DIR}/cmxData.csv'), '/home/u/.node-red/data/cmxData.csv');
    assert.equal(envText(red, node, '${CAMERA_APS}'), '');
    assert.equal(envText(red, node, '${MERAKI_API_BASE}'), 'https://api.meraki.com/api/v1');
    assert.equal(envText(red, node, undefined), '');
    assert.deepEqual(logs, [
      `environment variable DATA_DIR is not set: using "data" (a folder in Node-RED's user directory)`,
      'environment variable CAMERA_APS is not set: using none (every access point counts for every camera)',
      'environment variable MERAKI_API_BASE is not set: using "https://api.meraki.com/api/v1" (the Dashboard API)',
    ]);
    assert.deepEqual(node.errors, []);
    forgetReportedEnv();
    dataPath(fakeRed({}), node, '${DATA_DIR}/x.csv');
    assert.equal(logs.length, 4);
  });
});

describe('failConfig with an input error', function () {
  it('fails each message with that text (done(err)), once', function () {
    const node = fakeNode();
    failConfig(node, 'no file name set', 'check settings', 'no file configured');
    const errs: unknown[] = [];
    node.emit('input', { payload: 1 }, () => assert.fail('nothing is sent'), (err?: Error) => errs.push(err));
    assert.equal(errs.length, 1);
    assert.equal(String(errs[0]), 'no file configured');
  });
});
