/** The checks of what each node accepts as input (moved out of the node adapters into src/lib). */
import { strict as assert } from 'assert';
import type { Result } from '../../src/lib/result';
import { countInput } from '../../src/lib/activity';
import { asObservation, classifyInput } from '../../src/lib/correlate';
import { receiverPath } from '../../src/lib/scanning';
import { snapshotTarget } from '../../src/lib/snapshot';

/** The value of a passed check (fails the test otherwise). */
function value<T>(r: Result<T>): T {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.value;
}
/** The reason of a failed check (fails the test otherwise). */
function reason(r: Result<unknown>): string {
  assert.equal(r.ok, false);
  return r.ok ? '' : r.reason;
}

describe('node inputs', function () {
  it('countInput: a counts payload is used as it is; other kinds and unreported people are passed over', function () {
    const text = { kind: 'counts', serial: 'Q', zone: '7', ts: 1000, people: 2 };
    assert.equal(value(countInput(text)), text, 'used as it is');
    const p = { kind: 'counts', serial: 'Q', zone: 7, ts: 1000, people: 2 };
    assert.deepEqual(value(countInput(p)), { ...p, zone: '7' }, 'a numeric zone becomes its text');
    assert.equal(p.zone, 7, 'the payload itself is not changed');
    assert.equal(value(countInput({ kind: 'light', serial: 'Q', ts: 1, lux: 3 })), null);
    assert.equal(value(countInput({ serial: 'Q', zone: '0', ts: 1, people: null })), null);
    assert.match(reason(countInput('x')), /counts object/);
    assert.match(reason(countInput({ serial: 'Q', zone: '0', ts: 'soon', people: 1 })), /ts/);
    assert.match(reason(countInput({ serial: 'Q', zone: '0', ts: 1, people: -1 })), /people/);
    assert.match(reason(countInput({ serial: '', zone: '0', ts: 1, people: 1 })), /serial/);
    assert.match(reason(countInput({ serial: 'Q', zone: '', ts: 1, people: 1 })), /zone/);
  });

  it('classifyInput: activities and observations by their fields, with readable reasons otherwise', function () {
    const activity = classifyInput({ serial: 'Q', tsIn: 1, tsOut: 2, peakPeople: 3 });
    assert.ok(activity.ok && activity.kind === 'activity');
    const observation = classifyInput({ clientMac: 'aa', ts: 1, rssi: 30 });
    assert.ok(observation.ok && observation.kind === 'observation');
    for (const [p, re] of [
      ['text', /not an object/],
      [{ serial: 'Q', tsIn: 5, tsOut: 1, peakPeople: 1 }, /tsIn ≤ tsOut/],
      [{ serial: 'Q', tsIn: 1, tsOut: 2 }, /peakPeople/],
      [{ clientMac: 'aa', ts: 1 }, /rssi/],
      [{ clientMac: 'aa', ts: 1, rssi: 3, apMac: 5 }, /apMac/],
      [{ foo: 1 }, /neither/],
    ] as [unknown, RegExp][]) {
      assert.match(reason(classifyInput(p)), re);
    }
    const input = { serial: 'Q', tsIn: 1, tsOut: 2, peakPeople: 0 };
    const a = classifyInput(input);
    assert.ok(a.ok && a.kind === 'activity' && a.value.zone === '0', 'zone defaults to "0"');
    assert.equal('zone' in input, false, 'the input is not changed');
  });

  it('asObservation: the input itself exactly when classifyInput calls it an observation, else null', function () {
    const inputs: unknown[] = [
      { clientMac: 'aa', ts: 1, rssi: 30 }, { clientMac: 'aa', ts: 1, rssi: 30, apMac: null }, { clientMac: 'aa', ts: 1, rssi: 30, apMac: 'ap' },
      { clientMac: '', ts: 1, rssi: 30 }, { clientMac: 'aa', ts: '1', rssi: 30 }, { clientMac: 'aa', ts: 1 }, { clientMac: 'aa', ts: 1, rssi: 3, apMac: 5 },
      { clientMac: 'aa', ts: 1, rssi: 30, tsIn: 1 }, { clientMac: 'aa', ts: 1, rssi: 30, tsOut: 1 }, { serial: 'Q', tsIn: 1, tsOut: 2, peakPeople: 3 },
      'text', null, [{ clientMac: 'aa', ts: 1, rssi: 30 }], { foo: 1 },
    ];
    for (const p of inputs) {
      const item = classifyInput(p);
      const expected = item.ok && item.kind === 'observation' ? p : null;
      assert.equal(asObservation(p), expected, JSON.stringify(p));
    }
  });

  it('snapshotTarget: the middle of an activity, or the given ts', function () {
    assert.deepEqual(value(snapshotTarget({ serial: 'Q2GV-7HJK-2LMN', zone: 0, tsIn: 1000, tsOut: 2001 })), { serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 1501 });
    assert.deepEqual(value(snapshotTarget({ serial: 'Q2GV', ts: 5.4 })), { serial: 'Q2GV', zone: null, ts: 5 });
    assert.match(reason(snapshotTarget({ serial: '../x', ts: 1 })), /serial/);
    assert.match(reason(snapshotTarget({ serial: 'Q' })), /ts/);
    assert.match(reason(snapshotTarget(null)), /activity/);
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
