import { strict as assert } from 'assert';
import { fixture } from '../support/fixtures';
import { collect, getNode, helper, nodeModule, waitFor } from '../support/red';


function flow(config: Record<string, unknown> = {}) {
  return [
    { id: 'p', type: 'mv-sense-parse', name: '', cameras: '*', zones: '*', wires: [['out']], ...config },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: ['p'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

describe('mv-sense-parse node', function () {
  afterEach(async function () {
    await helper.unload();
  });

  it('turns an MV count message into a counts payload and keeps the message', async function () {
    await helper.load(nodeModule('mv-sense-parse'), flow());
    const out = collect('out');
    getNode('p').receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: fixture('A-1.json'), extra: 'kept' });
    await waitFor(() => out.length === 1);
    assert.deepEqual(out[0].payload, {
      kind: 'counts',
      serial: 'Q2GV-7HJK-2LMN',
      zone: '0',
      ts: 1718870412345,
      time: '2024-06-20T08:00:12.345Z',
      people: 3,
      vehicles: 0,
    });
    assert.equal(out[0].extra, 'kept');
    assert.equal(out[0].topic, '/merakimv/Q2GV-7HJK-2LMN/0');
  });

  it('reads JSON text and Buffers as sent by `mqtt in`', async function () {
    await helper.load(nodeModule('mv-sense-parse'), flow());
    const out = collect('out');
    const p = getNode('p');
    p.receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/747034588190081129', payload: JSON.stringify(fixture('A-3.json')) });
    p.receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/raw_detections', payload: Buffer.from(JSON.stringify(fixture('A-5.json'))) });
    await waitFor(() => out.length === 2);
    assert.equal(out[0].payload.zone, '747034588190081129');
    assert.equal(out[0].payload.people, 0);
    assert.equal(out[1].payload.kind, 'detections');
    assert.equal(out[1].payload.people, 2);
    assert.ok(out[1].payload.objects.every((o: any) => o.y0 < o.y1 && o.x0 < o.x1));
  });

  it('reports bad input to a catch node, drops it, and carries on', async function () {
    await helper.load(nodeModule('mv-sense-parse'), flow());
    const out = collect('out');
    const caught = collect('caught');
    const p = getNode('p');
    const bad = [
      { topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: 'not json' },
      { topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: 'null' },
      { topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: [1, 2] },
      { topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: { ts: 1718870412345, counts: { person: -1 } } },
      { topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: { ts: 1718870412345, counts: { person: 'two' } } },
      { topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: { counts: { person: 1 } } },
      { topic: 'cameras/x', payload: { ts: 1718870412345, counts: { person: 1 } } },
      { payload: { ts: 1718870412345, counts: { person: 1 } } },
    ];
    for (const m of bad) p.receive(m);
    p.receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: fixture('A-2.json') });
    await waitFor(() => out.length === 1 && caught.length === bad.length);
    assert.equal(out[0].payload.people, 1);
    assert.equal(out[0].payload.vehicles, null);
    for (const m of caught) {
      assert.match(m.error.message, /MV message dropped \(.+\)/);
      assert.equal(m.error.source.id, 'p');
    }
    assert.match(caught[0].error.message, /not JSON/);
    assert.match(caught[3].error.message, /non-negative/);
    assert.match(caught[5].error.message, /ts/);
  });

  it('applies the camera and zone filters and passes over unmodelled topics quietly', async function () {
    await helper.load(nodeModule('mv-sense-parse'), flow({ cameras: 'q2gv-7hjk-2lmn', zones: '0, 12' }));
    const out = collect('out');
    const caught = collect('caught');
    const p = getNode('p');
    p.receive({ topic: '/merakimv/Q2JV-AB12-CD34/0', payload: fixture('A-4.json') }); // other camera
    p.receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/747034588190081129', payload: fixture('A-3.json') }); // other zone
    p.receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/audio_analytics', payload: fixture('A-11.json') });
    p.receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/light', payload: fixture('A-8.json') });
    p.receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: fixture('A-1.json') });
    await waitFor(() => out.length === 2);
    assert.equal(out[0].payload.kind, 'light');
    assert.equal(out[1].payload.kind, 'counts');
    assert.equal(caught.length, 0);
  });

  it('counts good and bad messages on its status', async function () {
    await helper.load(nodeModule('mv-sense-parse'), flow());
    const p = getNode('p');
    const statuses: any[] = [];
    p.on('call:status', (call: any) => statuses.push(call.args[0]));
    p.receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: fixture('A-1.json') });
    await waitFor(() => statuses.length >= 1, 2000, 'first status');
    assert.equal(statuses[0].fill, 'green');
    assert.match(statuses[0].text, /1/);
    p.receive({ topic: '/merakimv/Q2GV-7HJK-2LMN/0', payload: 'oops' });
    await waitFor(() => statuses.some((s) => s.fill === 'yellow'), 3000, 'bad status');
    const last = statuses[statuses.length - 1];
    assert.equal(last.shape, 'ring');
  });
});
