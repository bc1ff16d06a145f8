import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import { runFigures } from '../../src/red/figures';

/** The parts of a node and of RED that runFigures uses. */
function fakeNode() {
  const node = new EventEmitter() as any;
  Object.assign(node, { id: 'n1', logs: [], errors: [], statuses: [], sent: [] });
  node.log = (t: unknown) => node.logs.push(t);
  node.error = (t: unknown) => node.errors.push(t);
  node.warn = () => undefined;
  node.status = (s: unknown) => node.statuses.push(s);
  node.send = (m: unknown) => node.sent.push(m);
  return node;
}
const red = { _: (key: string, v?: Record<string, unknown>) => (v ? `${key} ${JSON.stringify(v)}` : key) } as any;
const turn = () => new Promise((r) => setImmediate(r));
/** Closes the node as Node-RED does: each close handler by its arity. */
function close(node: any): void {
  for (const l of node.listeners('close')) (l.length >= 2 ? l(false, () => undefined) : l(() => undefined));
}

describe('runFigures (src/red/figures)', function () {
  it('holds messages while it replays, takes them in order after it, fails those beyond the limit; answers requests at once', async function () {
    const node = fakeNode();
    const figures = { version: 0, summary: () => ({ n: taken.length }) };
    const taken: unknown[] = [];
    let finish!: () => void;
    runFigures(red, node, {
      type: 'x', name: 'things', figures, summaryIntervalMs: 0, route: null, api: null, holdWhileReplaying: 2,
      status: () => ({ fill: 'green', shape: 'dot', text: 'ok' }),
      take: (msg) => {
        taken.push(msg.payload);
        return msg.payload === 'bad' ? ['not a thing'] : [];
      },
      tick: () => undefined,
      replay: () => new Promise((resolve) => (finish = () => resolve({ rows: 3 }))),
    });
    assert.deepEqual(node.statuses, [{ fill: 'yellow', shape: 'ring', text: 'x.status.replaying' }]);
    const done: unknown[] = [];
    const input = (payload: unknown, topic?: string) => node.emit('input', { _msgid: String(payload), payload, topic }, (m: unknown) => node.sent.push(m), (err?: Error) => done.push(err ? err.message : 'done'));
    input(1);
    input('bad');
    input(3);
    input('things');
    assert.deepEqual(done, ['x.errors.busy {"max":2}', 'done']);
    assert.deepEqual(node.sent, [[null, { _msgid: 'things', payload: { n: 0 }, topic: 'things' }]]);
    finish();
    await turn();
    await turn();
    assert.deepEqual(taken, [1, 'bad']);
    assert.deepEqual(done.slice(2), ['done', 'x.errors.invalid {"n":1,"reason":"not a thing"}']);
    assert.deepEqual(node.logs, ['x.log.replayed {"rows":3}']);
    close(node);
  });

  it('without a hold it takes messages during the replay', async function () {
    const node = fakeNode();
    const taken: unknown[] = [];
    runFigures(red, node, {
      type: 'x', name: 'things', figures: { version: 0, summary: () => ({}) }, summaryIntervalMs: 0, route: null, api: null,
      status: () => ({ fill: 'green', shape: 'dot', text: 'ok' }),
      take: (msg) => (taken.push(msg.payload), []),
      tick: () => undefined,
      replay: () => new Promise(() => undefined),
    });
    node.emit('input', { payload: 1 }, () => undefined, () => undefined);
    assert.deepEqual(taken, [1]);
    close(node);
  });
});
