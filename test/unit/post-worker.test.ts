import { strict as assert } from 'assert';
import * as path from 'path';
import type { PostReply } from '../../src/lib/post-processor';
import { PostWorker } from '../../src/lib/post-worker';
import { observationFilter } from '../../src/lib/scanning';

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
