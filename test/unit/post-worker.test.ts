import { strict as assert } from 'assert';
import * as os from 'os';
import * as path from 'path';
import type { PostReply } from '../../src/lib/post-processor';
import { defaultWorkerCount, MAX_WORKERS, PostWorker, PostWorkerPool } from '../../src/lib/post-worker';
import { observationFilter } from '../../src/lib/scanning';
import { fixture } from '../support/fixtures';

const SCRIPT = path.join(__dirname, '../support/misbehaving-worker.js');
const config = { secret: 's', filter: observationFilter({}) };
const status = (r: PostReply): number => (r.ok ? 0 : r.status);
const req = (now: number) => ({ kind: 'post' as const, body: Buffer.from('{}'), now, lines: false });

describe('post-worker: the receiver\'s worker thread, when it misbehaves', function () {
  this.timeout(20000);
  let worker: PostWorker | null = null;
  afterEach(async () => {
    await worker?.close();
    worker = null;
  });

  it('a worker that dies: what it held is answered 503, the next one starts, and posts are answered again', async () => {
    const stopped: string[] = [];
    worker = new PostWorker({ config, script: SCRIPT, stopped: (why) => stopped.push(why) });
    const held = worker.submit(req(5));
    const killer = worker.submit(req(1));
    assert.equal(status(await held), 400, 'answered before the death');
    const r = await killer;
    assert.equal(r.ok, false);
    assert.equal(status(r), 503);
    assert.deepEqual(stopped, ['exit code 3']);
    while (!worker.ready) await new Promise((res) => setTimeout(res, 10));
    assert.equal(status(await worker.submit(req(5))), 400);
    assert.deepEqual(worker.counts, { started: 2, died: 1 });
  });

  it('a request left unanswered stops the worker after the reply timeout: it and those behind it get 503', async () => {
    const stopped: string[] = [];
    worker = new PostWorker({ config, script: SCRIPT, replyTimeoutMs: 300, stopped: (why) => stopped.push(why) });
    const hung = worker.submit(req(2));
    const behind = worker.submit(req(5));
    const [a, b] = await Promise.all([hung, behind]);
    assert.equal(status(a), 503);
    assert.equal(status(b), 503);
    assert.match(stopped[0], /unanswered for 0.3 s/);
    while (!worker.ready) await new Promise((res) => setTimeout(res, 10));
    assert.equal(status(await worker.submit(req(5))), 400);
  });

  it('a body that cannot be sent to the thread is answered 503 at once, and nothing stays waiting', async () => {
    worker = new PostWorker({ config, script: SCRIPT });
    const r = await worker.submit({ kind: 'post', body: null, parsed: { f: () => 1 }, now: 5, lines: false, bytes: 10 });
    assert.equal(status(r), 503);
    assert.equal(worker.admits(Number.MAX_SAFE_INTEGER), true, 'no bytes left counted');
  });

  it('close(): requests still waiting are answered 503', async () => {
    worker = new PostWorker({ config, script: SCRIPT });
    const hung = worker.submit(req(2));
    await worker.close();
    const r = await hung;
    assert.equal(status(r), 503);
    assert.equal(worker.ready, false);
  });
});

describe('post-worker: a receiver\'s pool of workers', function () {
  this.timeout(20000);
  let pool: PostWorkerPool | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });

  it('two by default on this machine (one on a single CPU), one on Node-RED\'s thread, at most MAX_WORKERS', async () => {
    assert.equal(defaultWorkerCount(), os.availableParallelism() > 1 ? 2 : 1);
    pool = new PostWorkerPool({ config, script: SCRIPT });
    assert.equal(pool.size, defaultWorkerCount());
    await pool.close();
    pool = new PostWorkerPool({ config, thread: false, count: 4 });
    assert.equal(pool.size, 1);
    await pool.close();
    pool = new PostWorkerPool({ config, script: SCRIPT, count: 1000 });
    assert.equal(pool.size, MAX_WORKERS);
  });

  it('real posts: two worker threads and Node-RED\'s thread (cmxWorker: false) give the same replies', async () => {
    const real = { secret: 's3cr3t-shared-value', filter: observationFilter({}) };
    const bodies = ['B-1', 'B-6', 'B-1', 'B-6'].map((n) => Buffer.from(JSON.stringify(fixture(n))));
    const post = (b: Buffer) => ({ kind: 'post' as const, body: new Uint8Array(b), now: Date.parse('2026-12-01T00:00:00Z'), lines: true });
    pool = new PostWorkerPool({ config: real, count: 2 });
    const threaded = await Promise.all(bodies.map((b) => pool!.submit(post(b))));
    await pool.close();
    pool = new PostWorkerPool({ config: real, thread: false });
    const inline = await Promise.all(bodies.map((b) => pool!.submit(post(b))));
    // (typed arrays as plain arrays: a moved buffer arrives as a Uint8Array, the inline one is a Buffer)
    const plain = (v: unknown): unknown => {
      if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
      if (Array.isArray(v)) return v.map(plain);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'id').map(([k, x]) => [k, plain(x)]));
      return v;
    };
    assert.ok(threaded.every((r) => r.ok && r.observations.n > 0), JSON.stringify(threaded.map(status)));
    assert.deepEqual(threaded.map(plain), inline.map(plain));
  });

  it('a post busy on one worker does not hold the others back: they go to the worker with the fewest bytes waiting', async () => {
    pool = new PostWorkerPool({ config, script: SCRIPT, count: 2 });
    const hung = pool.submit(req(2));
    for (let i = 0; i < 5; i++) assert.equal(status(await pool.submit(req(5))), 400, `post ${i} answered beside the busy one`);
    await pool.close();
    assert.equal(status(await hung), 503, 'the busy one is answered 503 at close');
    assert.equal(pool.ready, false);
  });

  it('a worker that dies: what it held is answered 503, the other goes on taking posts, and it starts again', async () => {
    const stopped: string[] = [];
    pool = new PostWorkerPool({ config, script: SCRIPT, count: 2, stopped: (why) => stopped.push(why) });
    const killer = pool.submit(req(1));
    assert.equal(status(await killer), 503);
    assert.deepEqual(stopped, ['exit code 3']);
    assert.equal(pool.ready, true, 'the other worker still runs');
    assert.equal(status(await pool.submit(req(5))), 400);
    while (pool.counts.started < 3) await new Promise((res) => setTimeout(res, 10));
    assert.deepEqual(pool.counts, { started: 3, died: 1 });
  });

  it('the queue bound is for the bodies waiting at every worker together', async () => {
    pool = new PostWorkerPool({ config, script: SCRIPT, count: 2, maxQueueBytes: 100 });
    assert.equal(pool.admits(1000), true, 'one is always let in when none waits');
    const hung = pool.submit({ ...req(2), bytes: 60 });
    assert.equal(pool.admits(30), true);
    assert.equal(pool.admits(50), false, '60 waiting at one worker + 50 > 100, though the other waits for nothing');
    await pool.close();
    assert.equal(status(await hung), 503);
    assert.equal(pool.admits(1), false, 'closed');
  });
});
