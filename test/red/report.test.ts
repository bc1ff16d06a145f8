import { strict as assert } from 'assert';
import type { NodeAPI } from 'node-red';
import { failMessage, LOG_BURST, MessageError, shortText } from '../../src/red/report';
import { ThrottledStatus } from '../../src/red/status';
import { collect, getNode, helper, settle, waitFor } from '../support/red';

/** A test node that fails every message whose payload is not a number, through failMessage(). */
function failingNode(RED: NodeAPI): void {
  RED.nodes.registerType('fail-test', function (this: any, config: any) {
    RED.nodes.createNode(this, config);
    const status = new ThrottledStatus(this, () => ({ fill: 'green', shape: 'dot', text: 'ok' }), 10);
    this.on('input', (msg: any, send: any, done: any) => {
      if (typeof msg.payload === 'number') {
        status.clearFailed();
        send(msg);
        done();
      } else {
        status.setFailed('bad input');
        failMessage(this, msg, done, `not a number: ${shortText(msg.payload)}`, status);
      }
    });
    this.on('close', () => status.stop());
  } as any);
}

const flow = [
  { id: 'f', type: 'fail-test', wires: [['out']] },
  { id: 'out', type: 'helper' },
  { id: 'c', type: 'catch', scope: ['f'], uncaught: false, wires: [['caught']] },
  { id: 'caught', type: 'helper' },
  { id: 'k', type: 'complete', scope: ['f'], uncaught: false, wires: [['completed']] },
  { id: 'completed', type: 'helper' },
];

describe('the error contract (src/red/report failMessage)', function () {
  afterEach(async function () {
    await helper.unload();
  });

  it('a failed message reaches Catch with the plain text, not Complete; a good one reaches Complete', async function () {
    await helper.load(failingNode, flow);
    const out = collect('out');
    const caught = collect('caught');
    const completed = collect('completed');
    const f = getNode('f');
    f.receive({ payload: 'x', topic: 't' });
    f.receive({ payload: 1 });
    await waitFor(() => caught.length === 1 && completed.length === 1);
    await settle();
    assert.equal(caught.length, 1);
    assert.equal(caught[0].error.message, 'not a number: x');
    assert.equal(caught[0].error.source.id, 'f');
    assert.equal(caught[0].topic, 't');
    assert.equal(completed.length, 1);
    assert.equal(completed[0].payload, 1);
    assert.equal(out.length, 1);
  });

  it('shows the failure status, and the computed one again after a success', async function () {
    await helper.load(failingNode, flow);
    const f = getNode('f');
    const statuses: any[] = [];
    f.on('call:status', (call: any) => statuses.push(call.args[0]));
    f.receive({ payload: 'x' });
    await waitFor(() => statuses.some((s) => s.fill === 'red' && s.text === 'bad input'), 2000, 'a red ring');
    f.receive({ payload: 2 });
    await waitFor(() => statuses[statuses.length - 1].fill === 'green', 2000, 'green again');
  });

  it('a message nested too deep for Node-RED to copy still reaches Catch (id and topic only), without a throw', async function () {
    await helper.load(failingNode, flow);
    const caught = collect('caught');
    let deep: any = { end: true };
    for (let i = 0; i < 20000; i++) deep = { deep };
    getNode('f').receive({ payload: deep, topic: 'deep' });
    await waitFor(() => caught.length === 1, 5000, 'the error');
    assert.equal(caught[0].topic, 'deep');
    assert.equal(caught[0].payload, undefined);
    assert.match(caught[0].error.message, /not a number: \(object\)/);
  });

  /** The error lines the log got from node `id`. */
  const logged = (id: string): string[] => helper.log().args
    .map((a: any[]) => a[0])
    .filter((e: any) => e.level === 20 && e.id === id)
    .map((e: any) => String(e.msg));

  it('a flood of failures without a Catch node: LOG_BURST lines in full, then one line counting the rest (on close)', async function () {
    await helper.load(failingNode, flow.filter((n) => n.type !== 'catch' && n.id !== 'caught'));
    const completed = collect('completed');
    const f = getNode('f');
    for (let i = 0; i < 300; i++) f.receive({ payload: `x${i}` });
    await settle(100);
    assert.equal(logged('f').length, LOG_BURST);
    assert.equal(logged('f')[0], 'not a number: x0');
    await helper.clearFlows(); // the node closes: the count of the rest is logged
    const lines = logged('f');
    assert.equal(lines.length, LOG_BURST + 1);
    assert.match(lines[LOG_BURST], /^295 more errors in the last minute, not logged one by one \(a catch node gets each\); the last: not a number: x299$/);
    assert.equal(completed.length, 0, 'Complete nodes do not fire for failed messages');
  });

  it('with a Catch node every failure reaches it, beyond the burst too, and nothing is logged', async function () {
    await helper.load(failingNode, flow);
    const caught = collect('caught');
    const completed = collect('completed');
    const f = getNode('f');
    for (let i = 0; i < 300; i++) f.receive({ payload: `x${i}`, topic: `t${i}` });
    await waitFor(() => caught.length === 300, 5000, '300 caught');
    await helper.clearFlows();
    assert.deepEqual(logged('f'), []);
    assert.equal(caught[299].error.message, 'not a number: x299');
    assert.equal(caught[299].topic, 't299');
    assert.equal(completed.length, 0);
  });

  it('MessageError prints as its message alone', function () {
    assert.equal(String(new MessageError('bad')), 'bad');
    assert.ok(new MessageError('bad') instanceof Error);
  });
});
