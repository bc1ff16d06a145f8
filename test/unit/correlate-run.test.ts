import { strict as assert } from 'assert';
import { Correlator } from '../../src/lib/correlate';
import { correlateSetup, feedCorrelator } from '../../src/lib/correlate-run';
import { SummaryCadence } from '../../src/lib/summary-cadence';
import { LabelLearner, LabelSource } from '../../src/lib/labels';

const T = Date.parse('2024-06-20T10:00:00Z');

describe('correlate-run: setup, feeding, summary cadence', () => {
  it('correlateSetup checks every setting, with defaults, and leaves its input alone', () => {
    const settings = Object.freeze({ windowS: '10', timezone: ' UTC ', cameraAps: 'q2gv-1: e0:55:3d:10:4a:c1', labels: 'Q2GV-1/0: Door', summaryIntervalS: '' });
    const { options, summaryIntervalMs } = correlateSetup(settings);
    assert.equal(options.windowS, 10);
    assert.equal(options.waitS, 120);
    assert.equal(options.timeZone, 'UTC');
    assert.deepEqual([...options.cameraAps!.get('Q2GV-1')!], ['e0:55:3d:10:4a:c1']);
    assert.equal(options.labels!.get('Q2GV-1/0'), 'Door');
    assert.equal(summaryIntervalMs, 10_000);
    assert.equal(correlateSetup({ summaryIntervalS: '0' }).summaryIntervalMs, 0);
    assert.equal(correlateSetup({ timezone: '' }).options.timeZone, undefined);
    assert.throws(() => correlateSetup({ timezone: 'Mars/Olympus' }), /unknown time zone "Mars\/Olympus"/);
    assert.throws(() => correlateSetup({ summaryIntervalS: '-1' }), /summaryIntervalS must be a number ≥ 0/);
    assert.throws(() => correlateSetup({ cameraAps: 'Q2GV-1: nope' }), /not a MAC address/);
    assert.throws(() => correlateSetup({ windowHours: 0 }), /windowHours/);
  });

  it('feedCorrelator takes one item or an array, and reports the dropped ones', () => {
    const c = new Correlator({ timeZone: 'UTC' });
    const seen: string[] = [];
    const activity = { serial: 'Q2GV-1', zone: '0', tsIn: T, tsOut: T + 60_000, peakPeople: 2 };
    const observation = { ts: T + 1000, clientMac: 'aa:00:00:00:00:01', rssi: 50, apMac: null };
    assert.deepEqual(feedCorrelator(c, observation, T, (a) => seen.push(a.serial)), []);
    const problems = feedCorrelator(c, [activity, 42, { what: 1 }], T, (a) => seen.push(a.serial));
    assert.equal(problems.length, 2);
    assert.deepEqual(seen, ['Q2GV-1']);
    assert.equal(c.sizes.activities, 1);
    assert.equal(c.sizes.observations, 1);
  });

  it('SummaryCadence: a summary when the figures changed and the interval passed; a request counts as sent', () => {
    const fake = { version: 1, summary: (now: number) => ({ generatedAt: String(now) }) as any };
    const cadence = new SummaryCadence(fake, 10_000);
    assert.ok(cadence.takeIfDue(T), 'the first one');
    assert.equal(cadence.takeIfDue(T + 20_000), null, 'nothing changed');
    fake.version = 2;
    assert.equal(cadence.takeIfDue(T + 5_000), null, 'changed, but within the interval');
    assert.ok(cadence.takeIfDue(T + 10_000));
    fake.version = 3;
    assert.ok(cadence.take(T + 11_000), 'on request, at once');
    assert.equal(cadence.takeIfDue(T + 30_000), null, 'the request sent version 3');
  });
});

describe('LabelLearner', () => {
  const flush = () => new Promise((r) => setImmediate(r));

  it('looks a camera up once, giving its name and zone labels; retries a failure only after retryMs', async () => {
    let now = T;
    let calls = 0;
    let fail = true;
    const source: LabelSource = {
      getDevice: async (serial) => {
        calls += 1;
        if (fail) throw new Error('429');
        return { name: `cam ${serial}` };
      },
      getZones: async () => [{ id: '0', label: 'Full' }, { id: '7', label: null }],
    };
    const learnt: [string, string][] = [];
    const errors: string[] = [];
    const learner = new LabelLearner({
      source: () => source,
      onLearnt: (e) => learnt.push(...e),
      onError: (serial, err) => errors.push(`${serial}: ${err.message}`),
      retryMs: 60_000,
      now: () => now,
    });
    learner.learn('q2gv-1');
    await flush();
    assert.deepEqual(errors, ['q2gv-1: 429']);
    learner.learn('Q2GV-1');
    assert.equal(calls, 1, 'not again within retryMs');
    fail = false;
    now += 60_000;
    learner.learn('Q2GV-1');
    await flush();
    assert.deepEqual(learnt, [['Q2GV-1', 'cam Q2GV-1'], ['Q2GV-1/0', 'Full']]);
    now += 3_600_000;
    learner.learn('Q2GV-1');
    assert.equal(calls, 2, 'learnt: never again');
  });

  it('does nothing without a client', () => {
    const learner = new LabelLearner({ source: () => null, onLearnt: () => assert.fail(), onError: () => assert.fail() });
    learner.learn('Q2GV-1');
  });
});
