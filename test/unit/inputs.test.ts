/** The checks of what each node accepts as input (moved out of the node adapters into src/lib). */
import { strict as assert } from 'assert';
import { countInput } from '../../src/lib/activity';
import { classifyInput } from '../../src/lib/correlate';
import { receiverPath } from '../../src/lib/scanning';
import { snapshotTarget } from '../../src/lib/snapshot';

describe('node inputs', function () {
  it('countInput: a counts payload is used as it is; other kinds and unreported people are passed over', function () {
    const p = { kind: 'counts', serial: 'Q', zone: 7, ts: 1000, people: 2 };
    assert.equal(countInput(p), p);
    assert.equal(p.zone, '7', 'a numeric zone becomes its text');
    assert.equal(countInput({ kind: 'light', serial: 'Q', ts: 1, lux: 3 }), null);
    assert.equal(countInput({ serial: 'Q', zone: '0', ts: 1, people: null }), null);
    assert.match(countInput('x') as string, /counts object/);
    assert.match(countInput({ serial: 'Q', zone: '0', ts: 'soon', people: 1 }) as string, /ts/);
    assert.match(countInput({ serial: 'Q', zone: '0', ts: 1, people: -1 }) as string, /people/);
    assert.match(countInput({ serial: '', zone: '0', ts: 1, people: 1 }) as string, /serial/);
  });

  it('classifyInput: activities and observations by their fields, with readable reasons otherwise', function () {
    assert.equal(classifyInput({ serial: 'Q', tsIn: 1, tsOut: 2, peakPeople: 3 }).kind, 'activity');
    assert.equal(classifyInput({ clientMac: 'aa', ts: 1, rssi: 30 }).kind, 'observation');
    for (const [p, re] of [
      ['text', /not an object/],
      [{ serial: 'Q', tsIn: 5, tsOut: 1, peakPeople: 1 }, /tsIn ≤ tsOut/],
      [{ serial: 'Q', tsIn: 1, tsOut: 2 }, /peakPeople/],
      [{ clientMac: 'aa', ts: 1 }, /rssi/],
      [{ clientMac: 'aa', ts: 1, rssi: 3, apMac: 5 }, /apMac/],
      [{ foo: 1 }, /neither/],
    ] as [unknown, RegExp][]) {
      const r = classifyInput(p);
      assert.equal(r.kind, 'invalid');
      if (r.kind === 'invalid') assert.match(r.reason, re);
    }
    const a = classifyInput({ serial: 'Q', tsIn: 1, tsOut: 2, peakPeople: 0 });
    assert.ok(a.kind === 'activity' && a.value.zone === '0', 'zone defaults to "0"');
  });

  it('snapshotTarget: the middle of an activity, or the given ts', function () {
    assert.deepEqual(snapshotTarget({ serial: 'Q2GV-7HJK-2LMN', zone: 0, tsIn: 1000, tsOut: 2001 }), { serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 1501 });
    assert.deepEqual(snapshotTarget({ serial: 'Q2GV', ts: 5.4 }), { serial: 'Q2GV', zone: null, ts: 5 });
    assert.match(snapshotTarget({ serial: '../x', ts: 1 }) as string, /serial/);
    assert.match(snapshotTarget({ serial: 'Q' }) as string, /ts/);
    assert.match(snapshotTarget(null) as string, /activity/);
  });

  it('receiverPath: a leading slash, no trailing one, plain path characters only', function () {
    assert.equal(receiverPath(undefined), '/cmx');
    assert.equal(receiverPath('  '), '/cmx');
    assert.equal(receiverPath('scanning/'), '/scanning');
    assert.equal(receiverPath('/meraki/v3'), '/meraki/v3');
    assert.equal(receiverPath('/'), '/');
    assert.equal(receiverPath('/:id'), null);
    assert.equal(receiverPath('/a*b'), null);
  });
});
