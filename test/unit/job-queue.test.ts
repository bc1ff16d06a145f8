import { strict as assert } from 'assert';
import { JobQueue } from '../../src/lib/job-queue';

const tick = () => new Promise((r) => setImmediate(r));

describe('JobQueue', () => {
  it('runs at most `concurrency` jobs at once, in order; a full queue drops its oldest waiting job', async () => {
    const started: number[] = [];
    const finish = new Map<number, () => void>();
    const dropped: number[] = [];
    const q = new JobQueue<number>({
      concurrency: 2,
      maxWaiting: 3,
      run: (n) => {
        started.push(n);
        return new Promise<void>((resolve) => finish.set(n, resolve));
      },
      onDropped: (n) => dropped.push(n),
    });
    for (let i = 1; i <= 7; i++) q.push(i);
    assert.deepEqual(started, [1, 2]);
    assert.deepEqual(dropped, [3, 4], 'waiting 3..7 held 5; the two oldest went');
    assert.deepEqual(q.size, { running: 2, waiting: 3 });
    finish.get(1)!();
    await tick();
    assert.deepEqual(started, [1, 2, 5]);
  });

  it('a failing job does not stop the queue; close() aborts the running ones and returns the waiting', async () => {
    const signals: AbortSignal[] = [];
    const q = new JobQueue<string>({
      concurrency: 1,
      maxWaiting: 10,
      run: (job, signal) => {
        signals.push(signal);
        return job === 'bad' ? Promise.reject(new Error('no')) : new Promise(() => undefined);
      },
      onDropped: () => assert.fail(),
    });
    q.push('bad');
    q.push('slow');
    q.push('waiting');
    await tick();
    assert.equal(signals.length, 2, 'the job after the failed one runs');
    assert.deepEqual(q.close(), ['waiting']);
    assert.ok(signals[1].aborted);
    assert.ok(q.closed);
    q.push('late');
    assert.deepEqual(q.size, { running: 1, waiting: 0 });
  });
});
