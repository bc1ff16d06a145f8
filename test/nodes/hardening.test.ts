/**
 * Issue 10 at node level: times far ahead of the clock refused (items 2, 3), the activity
 * detector's keys bounded (item 5), counts beyond a sane bound refused and the MV parser's error
 * log throttled while catch nodes still get every error (item 8).
 */
import { strict as assert } from 'assert';
import { collect, getNode, helper, nodeModule, settle, waitFor } from '../support/red';

const SERIAL = 'Q2GV-7HJK-2LMN';
const Y2100 = 4102444800000;

function logged(level: number, id: string): string[] {
  return helper
    .log()
    .args.map((a: unknown[]) => a[0] as { level: number; id?: string; msg: unknown })
    .filter((e: { level: number; id?: string }) => e.level === level && e.id === id)
    .map((e: { msg: unknown }) => String(e.msg));
}

const parseFlow = (config: Record<string, unknown> = {}, withCatch = true) => [
  { id: 'p', type: 'mv-sense-parse', name: '', cameras: '*', zones: '*', wires: [['a']], ...config },
  {
    id: 'a', type: 'activity-detector', name: '', peopleThreshold: 1, minMessages: 50, minPeak: 1,
    timeoutMessages: 20, pauseSeconds: 5, idleSeconds: 120, wires: [['act'], ['dis']],
  },
  { id: 'act', type: 'helper' },
  { id: 'dis', type: 'helper' },
  ...(withCatch ? [{ id: 'c', type: 'catch', scope: ['p', 'a'], uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper' }] : []),
];

/** SPEC section 4's worked vector. */
const WORKED = [...Array(5).fill(0), ...Array.from({ length: 60 }, (_, i) => 1 + (i % 3)), ...Array(25).fill(0)];

describe('hardening (issue 10), node level', function () {
  this.timeout(30000);
  afterEach(async function () {
    await helper.unload();
  });

  describe('times ahead of the clock (items 2, 3)', function () {
    it('a far-future ts on /merakimv/S/0 is caught as an error and does not silence the zone', async function () {
      await helper.load([nodeModule('mv-sense-parse'), nodeModule('activity-detector')], parseFlow());
      const act = collect('act');
      const caught = collect('caught');
      const p = getNode('p');
      p.receive({ topic: `/merakimv/${SERIAL}/0`, payload: { ts: Y2100, counts: { person: 0 } } });
      p.receive({ topic: `/merakimv/${SERIAL}/0`, payload: { ts: 99999999999, counts: { person: 0 } } });
      const t0 = Date.now() - 200_000;
      WORKED.forEach((people, i) => p.receive({ topic: `/merakimv/${SERIAL}/0`, payload: { ts: t0 + i * 1000, counts: { person: people } } }));
      await waitFor(() => act.length === 1 && caught.length === 2);
      assert.equal(act[0].payload.tsIn, t0 + 5000);
      assert.equal(act[0].payload.tsOut, t0 + 65000);
      assert.match(caught[0].error.message, /2100-01-01.*ahead of the clock/);
      assert.match(caught[1].error.message, /5138|ahead of the clock/);
    });

    it('activity-detector refuses a far-future count fed to it directly and counts it in its status', async function () {
      await helper.load(nodeModule('activity-detector'), parseFlow().slice(1));
      const act = collect('act');
      const a = getNode('a');
      const statuses: string[] = [];
      a.on('call:status', (call: { args: [{ text?: string }] }) => statuses.push(String(call.args[0].text)));
      const count = (ts: number, people: number) => ({ payload: { kind: 'counts', serial: SERIAL, zone: '0', ts, people, vehicles: null } });
      a.receive(count(Y2100, 0));
      const t0 = Date.now() - 200_000;
      WORKED.forEach((people, i) => a.receive(count(t0 + i * 1000, people)));
      await waitFor(() => act.length === 1);
      await settle(1200);
      assert.ok(statuses.some((s) => /1 future msgs refused/.test(s)), `statuses: ${statuses.join(' | ')}`);
    });

    it('the tolerance is an option of mv-sense-parse; a bad value is a configuration error', async function () {
      await helper.load([nodeModule('mv-sense-parse'), nodeModule('activity-detector')], parseFlow({ futureToleranceS: '5' }));
      const caught = collect('caught');
      getNode('p').receive({ topic: `/merakimv/${SERIAL}/0`, payload: { ts: Date.now() + 60_000, counts: { person: 0 } } });
      await waitFor(() => caught.length === 1);
      assert.match(caught[0].error.message, /more than 5 s ahead/);
      await helper.unload();
      await helper.load([nodeModule('mv-sense-parse'), nodeModule('activity-detector')], parseFlow({ futureToleranceS: 'soon' }));
      await settle(100);
      assert.ok(logged(helper.log().ERROR, 'p').some((m) => /ahead of the clock/.test(m)));
    });
  });
});

describe('hardening (issue 10), node level: the MV parser error log (item 8)', function () {
  this.timeout(30000);
  afterEach(async function () {
    await helper.unload();
  });

  const junk = (i: number) => ({ topic: `/merakimv/${SERIAL}/0`, payload: i % 2 ? 'not json' : { ts: Date.now(), counts: { person: -(i + 1) } } });

  it('10,000 invalid messages without a catch node write a handful of log lines, and a count of the rest when it stops', async function () {
    await helper.load([nodeModule('mv-sense-parse'), nodeModule('activity-detector')], parseFlow({}, false));
    const p = getNode('p');
    for (let i = 0; i < 10_000; i++) p.receive(junk(i));
    await settle(300);
    const lines = logged(helper.log().ERROR, 'p');
    assert.ok(lines.length >= 1 && lines.length <= 10, `${lines.length} error lines for 10,000 invalid messages`);
    assert.match(lines[0], /MV message dropped/);
    await helper.clearFlows(); // stops the flow (the node closes) and keeps the log spy
    const after = logged(helper.log().ERROR, 'p');
    const more = after.map((l) => /(\d[\d,]*) more invalid MV messages/.exec(l)).filter(Boolean);
    assert.equal(more.length, 1, `a closing count: ${after.slice(-3).join(' | ')}`);
    const full = after.filter((l) => /^MV message dropped/.test(l)).length;
    assert.equal(full + Number(more[0]![1].replace(/,/g, '')), 10_000, 'every invalid message is accounted for');
  });

  it('with a catch node, every one of them reaches it and nothing is logged', async function () {
    await helper.load([nodeModule('mv-sense-parse'), nodeModule('activity-detector')], parseFlow());
    const caught = collect('caught');
    const p = getNode('p');
    for (let i = 0; i < 2000; i++) p.receive(junk(i));
    await waitFor(() => caught.length === 2000, 10000, '2000 caught errors').catch((e) => { throw new Error(e.message + ' got ' + caught.length + ' logged ' + logged(helper.log().ERROR, 'p').length); });
    assert.deepEqual(logged(helper.log().ERROR, 'p'), []);
    assert.match(caught[0].error.message, /non-negative/);
    assert.match(caught[1].error.message, /not JSON/);
  });

  it('a message nested too deep for the clone of Node-RED still reaches the catch node (without its payload)', async function () {
    await helper.load([nodeModule('mv-sense-parse'), nodeModule('activity-detector')], parseFlow());
    const caught = collect('caught');
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = { d: deep };
    getNode('p').receive({ topic: `/merakimv/${SERIAL}/0`, payload: { ts: Date.now(), counts: { person: -1 }, deep } });
    await waitFor(() => caught.length === 1);
    assert.match(caught[0].error.message, /non-negative/);
  });
});

describe('hardening (issue 10), node level: activity-detector keys (item 5)', function () {
  this.timeout(30000);
  afterEach(async function () {
    await helper.unload();
  });

  it('beyond maxKeys a new key is refused with one warning a minute; known keys carry on', async function () {
    await helper.load(nodeModule('activity-detector'), [{ ...parseFlow()[1], maxKeys: '2' }, ...parseFlow().slice(2, 4)]);
    const a = getNode('a');
    const now = Date.now();
    for (let z = 0; z < 50; z++) a.receive({ payload: { kind: 'counts', serial: SERIAL, zone: String(z), ts: now, people: 1, vehicles: null } });
    a.receive({ payload: { kind: 'counts', serial: SERIAL, zone: '1', ts: now + 1, people: 1, vehicles: null } });
    await settle(200);
    const warnings = logged(helper.log().WARN, 'a');
    assert.equal(warnings.length, 1, warnings.join(' | '));
    assert.match(warnings[0], /2 zones.*limit/);
  });

  it('a bad maxKeys is a configuration error', async function () {
    await helper.load(nodeModule('activity-detector'), [{ ...parseFlow()[1], maxKeys: '0' }, ...parseFlow().slice(2, 4)]);
    await settle(50);
    assert.ok(logged(helper.log().ERROR, 'a').some((m) => /maxKeys/.test(m)));
  });
});

