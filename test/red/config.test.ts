import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as path from 'path';
import { dataPath, failConfig } from '../../src/red/config';

/** The parts of a node and of RED that the config helpers use. */
function fakeNode() {
  const node = new EventEmitter() as any;
  node.errors = [] as unknown[];
  node.statuses = [] as unknown[];
  node.error = (e: unknown) => node.errors.push(e);
  node.status = (s: unknown) => node.statuses.push(s);
  return node;
}
function fakeRed(env: Record<string, string>, fileWorkingDirectory?: string) {
  return { settings: { fileWorkingDirectory }, util: { getSetting: (_n: unknown, name: string) => env[name] } } as any;
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

  it('dataPath: empty is null; ${VARS} are replaced; relative paths from fileWorkingDirectory, else the cwd', function () {
    const red = fakeRed({ DATA_DIR: '/srv/data' }, '/home/nr');
    assert.equal(dataPath(red, fakeNode(), ''), null);
    assert.equal(dataPath(red, fakeNode(), '   '), null);
    assert.equal(dataPath(red, fakeNode(), undefined), null);
    assert.equal(dataPath(red, fakeNode(), ' ${DATA_DIR}/mvData.csv '), '/srv/data/mvData.csv');
    assert.equal(dataPath(red, fakeNode(), 'data/x.csv'), '/home/nr/data/x.csv');
    assert.equal(dataPath(fakeRed({}), fakeNode(), 'data/x.csv'), path.resolve(process.cwd(), 'data/x.csv'));
    assert.throws(() => dataPath(red, fakeNode(), '${NOPE}/x.csv'), /environment variable NOPE is not set/);
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
