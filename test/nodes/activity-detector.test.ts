import { strict as assert } from 'assert';
import { collect, getNode, helper, nodeModule, settle, waitFor } from '../support/red';

const SERIAL = 'Q2GV-7HJK-2LMN';

function flow(config: Record<string, unknown> = {}) {
  return [
    {
      id: 'a', type: 'activity-detector', name: '', peopleThreshold: 1, minMessages: 50, minPeak: 1,
      timeoutMessages: 20, pauseSeconds: 5, idleSeconds: 120, wires: [['act'], ['dis']], ...config,
    },
    { id: 'act', type: 'helper' },
    { id: 'dis', type: 'helper' },
    { id: 'c', type: 'catch', scope: ['a'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

const count = (ts: number, people: number | null, zone = '0', serial = SERIAL) => ({
  topic: `/merakimv/${serial}/${zone}`,
  payload: { kind: 'counts', serial, zone, ts, time: new Date(ts).toISOString(), people, vehicles: null },
});

/** SPEC section 4's worked vector: one message a second from t=0. */
const workedVector = [...Array(5).fill(0), ...Array.from({ length: 60 }, (_, i) => 1 + (i % 3)), ...Array(25).fill(0)];

describe('activity-detector node', function () {
  afterEach(async function () {
    await helper.unload();
  });

  it('emits the SPEC worked vector as one activity on output 1', async function () {
    await helper.load(nodeModule('activity-detector'), flow());
    const act = collect('act');
    const dis = collect('dis');
    const a = getNode('a');
    workedVector.forEach((people, i) => a.receive(count(i * 1000, people)));
    await waitFor(() => act.length === 1);
    await settle();
    assert.equal(act.length, 1);
    assert.equal(dis.length, 0);
    assert.deepEqual(act[0].payload, {
      serial: SERIAL, zone: '0', tsIn: 5000, tsOut: 65000,
      timeIn: '1970-01-01T00:00:05.000Z', timeOut: '1970-01-01T00:01:05.000Z',
      durationS: 60, peakPeople: 3, messages: 80,
    });
    assert.equal(act[0].topic, `${SERIAL}/0`);
  });

  it('sends a short burst to output 2 as dismissed', async function () {
    await helper.load(nodeModule('activity-detector'), flow());
    const act = collect('act');
    const dis = collect('dis');
    const a = getNode('a');
    [...Array(10).fill(2), ...Array(20).fill(0)].forEach((people, i) => a.receive(count(1000 + i * 1000, people)));
    await waitFor(() => dis.length === 1);
    await settle();
    assert.equal(act.length, 0);
    assert.equal(dis[0].payload.reason, 'too few messages');
    assert.equal(dis[0].payload.messages, 30);
    assert.equal(dis[0].payload.tsIn, 1000);
    assert.equal(dis[0].payload.tsOut, 11000);
  });

  it('keeps one state per camera and zone', async function () {
    await helper.load(nodeModule('activity-detector'), flow({ minMessages: 3, timeoutMessages: 2 }));
    const act = collect('act');
    const a = getNode('a');
    // Interleaved: camera A zone 0, camera A zone 7, camera B zone 0.
    const keys: [string, string][] = [[SERIAL, '0'], [SERIAL, '7'], ['Q2JV-AB12-CD34', '0']];
    const seq = [0, 1, 2, 1, 0, 0];
    seq.forEach((people, i) => keys.forEach(([serial, zone], k) => a.receive(count(10_000 + i * 1000 + k, people, zone, serial))));
    await waitFor(() => act.length === 3);
    const got = act.map((m) => `${m.payload.serial}/${m.payload.zone}:${m.payload.tsIn}-${m.payload.tsOut}:${m.payload.peakPeople}`).sort();
    assert.deepEqual(got, [
      `${SERIAL}/0:11000-14000:2`,
      `${SERIAL}/7:11001-14001:2`,
      'Q2JV-AB12-CD34/0:11002-14002:2',
    ]);
  });

  it('closes an activity that stops receiving messages (idle timer)', async function () {
    await helper.load(nodeModule('activity-detector'), flow({ minMessages: 3, idleSeconds: 0.2 }));
    const act = collect('act');
    const a = getNode('a');
    [1, 2, 3, 0].forEach((people, i) => a.receive(count(5000 + i * 1000, people)));
    await waitFor(() => act.length === 1, 5000, 'idle close');
    assert.equal(act[0].payload.tsIn, 5000);
    assert.equal(act[0].payload.tsOut, 8000, 'tsOut is the first zero');
    assert.equal(act[0].payload.messages, 4);
  });

  it('drops late or duplicate messages and still gets the activity right', async function () {
    await helper.load(nodeModule('activity-detector'), flow({ minMessages: 3, timeoutMessages: 2 }));
    const act = collect('act');
    const a = getNode('a');
    a.receive(count(5000, 1));
    a.receive(count(6000, 4));
    a.receive(count(5500, 9)); // late: dropped, must not raise the peak
    a.receive(count(6000, 9)); // duplicate ts
    a.receive(count(7000, 0));
    a.receive(count(8000, 0));
    await waitFor(() => act.length === 1);
    assert.equal(act[0].payload.peakPeople, 4);
    assert.equal(act[0].payload.messages, 4);
  });

  it('reports malformed payloads to a catch node and ignores other kinds', async function () {
    await helper.load(nodeModule('activity-detector'), flow());
    const caught = collect('caught');
    const a = getNode('a');
    a.receive({ payload: 'text' });
    a.receive({ payload: { kind: 'counts', serial: SERIAL, zone: '0', ts: 'soon', people: 1 } });
    a.receive({ payload: { kind: 'counts', serial: SERIAL, zone: '0', ts: 1000, people: -2 } });
    a.receive({ payload: { kind: 'light', serial: SERIAL, ts: 1000, lux: 3 } });
    a.receive({ payload: { kind: 'counts', serial: SERIAL, zone: '0', ts: 1000, people: null, vehicles: 2 } });
    await waitFor(() => caught.length === 3);
    await settle();
    assert.equal(caught.length, 3);
    assert.match(caught[1].error.message, /ts/);
    assert.match(caught[2].error.message, /people/);
  });

  it('refuses invalid settings with a red status and an error instead of crashing', async function () {
    await helper.load(nodeModule('activity-detector'), flow({ minMessages: -1 }));
    const a = getNode('a');
    a.receive(count(1000, 1));
    await settle();
    // Set during construction, so read the spies' history.
    const statuses = (a.status as any).getCalls().filter((c: any) => c.thisValue === a).map((c: any) => c.args[0]);
    assert.ok(statuses.some((s: any) => s.fill === 'red' && /invalid settings/.test(s.text)), 'red status');
    const errors = (a.error as any).getCalls().filter((c: any) => c.thisValue === a).map((c: any) => String(c.args[0]));
    assert.ok(errors.some((e: string) => /minMessages must be a whole number/.test(e)), errors.join('; '));
  });

  it('stops its idle timer on redeploy', async function () {
    await helper.load(nodeModule('activity-detector'), flow({ minMessages: 1, idleSeconds: 0.1 }));
    const old = getNode('a');
    let sentAfterClose = 0;
    old.receive(count(1000, 2));
    await settle(20);
    await helper.clearFlows(); // stops the flow: close handlers run
    const send = old.send.bind(old);
    (old as any).send = (...args: unknown[]) => {
      sentAfterClose += 1;
      return send(...(args as [any]));
    };
    await settle(400); // several idle periods
    assert.equal(sentAfterClose, 0);
  });
});
