import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CmxIntake, IntakeOptions, MinuteCount } from '../../src/lib/cmx-intake';
import { PostProcessor, ProcessedPost } from '../../src/lib/post-processor';
import { observationFilter } from '../../src/lib/scanning';
import { acknowledge, Spool, spoolBody, SpoolTag } from '../../src/lib/spool';
import { fixture } from '../support/fixtures';

const SECRET = 's3cr3t-shared-value';
const processor = new PostProcessor({ secret: SECRET, filter: observationFilter({}) });

/** A fixture post as the worker gives it back, checked and processed; `spool`: its text for the spool. */
function accepted(name: string, spool?: Buffer): ProcessedPost {
  const { reply } = processor.handle({ id: 1, kind: 'post', body: Buffer.from(JSON.stringify(fixture(name))), now: Date.now(), lines: true });
  if (!reply.ok) throw new Error(reply.error);
  return spool ? { ...reply, spool } : reply;
}

describe('cmx-intake: what the receiver does with a checked post', () => {
  describe('spoolBody: the text kept in the spool has no secret', () => {
    it('blanks the secret member in the raw text, same length, still the same JSON otherwise', () => {
      const body = { version: '2.0', secret: SECRET, type: 'DevicesSeen', data: { ssid: SECRET, observations: [] } };
      const raw = Buffer.from(JSON.stringify(body, null, 1));
      const out = spoolBody(Buffer.from(raw), body, SECRET);
      assert.equal(out.length, raw.length);
      const back = JSON.parse(out.toString());
      assert.equal(back.secret, '*'.repeat(SECRET.length));
      assert.equal(back.data.ssid, SECRET, 'a value equal to the secret elsewhere stays');
      assert.ok(!out.toString().includes(`"secret": "${SECRET}"`));
    });

    it('writes the parsed body anew when the raw text spells the secret otherwise, or is not at hand', () => {
      const body = { version: '2.0', secret: 'ab', data: {} };
      const raw = Buffer.from('{"version":"2.0","secret":"\\u0061b","data":{}}');
      assert.deepEqual(JSON.parse(spoolBody(raw, body, 'ab').toString()), { version: '2.0', secret: '', data: {} });
      assert.deepEqual(JSON.parse(spoolBody(null, body, 'ab').toString()), { version: '2.0', secret: '', data: {} });
    });
  });

  describe('the queue', () => {
    let dir: string;
    let spool: Spool;
    let sent: Record<string, any>[];
    let errors: string[];
    let stores: string[];
    const options = (over: Partial<IntakeOptions> = {}): IntakeOptions => ({ output: 'post', filter: observationFilter({}), maxPendingBytes: 1000, ...over });
    const intake = (over: Partial<IntakeOptions> = {}, withSpool = true): CmxIntake =>
      new CmxIntake(options(over), {
        send: (m) => sent.push(m), stores: () => stores, sent: () => undefined, refused: () => undefined, error: (t) => errors.push(t),
      }, withSpool ? spool : null, (req) => Promise.resolve(processor.handle({ ...req, id: 1 }).reply));
    const turn = () => new Promise((r) => setImmediate(r));

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-test-'));
      spool = new Spool({ dir, name: 'cmx' });
      await spool.open();
      sent = [];
      errors = [];
      stores = ['store'];
    });

    afterEach(async () => {
      await spool.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('post output: spooled, then one tagged batch; the entry is done when the store acknowledges it', async () => {
      const q = intake();
      assert.equal(await q.accept(accepted('B-6', Buffer.from('{"x":1}')), 900), true);
      assert.equal(spool.pending.entries, 1);
      await turn();
      assert.equal(sent.length, 1);
      const tag = sent[0]._spool as SpoolTag;
      assert.deepEqual(tag, { spool: spool.id, seq: 0, from: 0, count: 2, total: 2 });
      assert.deepEqual(sent[0].post, { version: '3.0', type: 'WiFi', count: 2 });
      acknowledge(tag, 'store', 2);
      assert.equal(spool.pending.entries, 0);
    });

    it('observation output: one tagged message per observation', async () => {
      const q = intake({ output: 'observation' });
      await q.accept(accepted('B-6', Buffer.from('{}')), 900);
      await turn();
      assert.deepEqual(sent.map((m) => [m._spool.from, m._spool.count, m._spool.total]), [[0, 1, 2], [1, 1, 2]]);
    });

    it('no store wired: nothing is spooled, the bound counts what waits to be sent', async () => {
      stores = [];
      const q = intake();
      await q.accept(accepted('B-1'), 900);
      assert.equal(spool.pending.entries, 0);
      assert.equal(q.admits(200), false, 'over the bound while it waits');
      await turn();
      assert.equal(sent.length, 1);
      assert.equal(sent[0]._spool, undefined);
      assert.equal(q.admits(200), true);
    });

    it('admits one post whatever its size when nothing waits, then refuses past the bound', async () => {
      const q = intake();
      assert.equal(q.admits(50_000), true);
      await q.accept(accepted('B-1', Buffer.alloc(50_000, 0x20)), 50_000);
      assert.equal(q.admits(1), false);
    });

    it('replay: readable entries are sent again with their numbers, unreadable ones dropped with an error', async () => {
      const q = intake();
      const good = await spool.append(Buffer.from(JSON.stringify({ ...(fixture('B-1') as object), secret: '' })));
      const bad = await spool.append(Buffer.from('{not json'));
      q.replay([{ seq: good, body: Buffer.from(JSON.stringify(fixture('B-1'))) }, { seq: bad, body: Buffer.from('{not json') }]);
      await turn(); // through the worker
      await turn();
      assert.equal(sent.length, 1);
      assert.equal(sent[0]._spool.seq, good);
      assert.match(errors[0], /cannot be read/);
      assert.equal(spool.pending.entries, 1, 'the unreadable one is done');
    });

    it('replay: one entry at a time; while the worker starts again nothing is tried; an entry that keeps failing is parked (kept, no longer pending)', async function () {
      this.timeout(10000);
      let up = false;
      const calls: number[] = [];
      const q = new CmxIntake(options(), {
        send: (m) => sent.push(m), stores: () => stores, sent: () => undefined, refused: () => undefined, error: (t) => errors.push(t),
      }, spool, (req) => {
        calls.push(Date.now());
        const text = Buffer.from(req.body!).toString();
        // the first entry fails as if the worker died under it, every time; the second is fine
        return Promise.resolve(text.includes('poison') ? { id: 1, ok: false, status: 503, error: 'the post worker stopped, retry later' } : processor.handle({ ...req, id: 1 }).reply);
      }, () => up);
      const poison = await spool.append(Buffer.from('{"poison":1}'));
      const good = await spool.append(Buffer.from(JSON.stringify({ ...(fixture('B-1') as object), secret: '' })));
      q.replay([{ seq: poison, body: Buffer.from('{"poison":1}') }, { seq: good, body: Buffer.from(JSON.stringify(fixture('B-1'))) }]);
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(calls.length, 0, 'nothing tried while the worker is down');
      up = true;
      const end = Date.now() + 5000;
      while (sent.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      assert.equal(calls.length, 4, 'three tries of the first, then the second');
      assert.equal(sent.length, 1);
      assert.equal(sent[0]._spool.seq, good, 'the second only after the first');
      assert.match(errors[0], /could not be processed .*kept for the next start/);
      assert.equal(spool.pending.entries, 1, 'the parked one no longer counts; the good one waits for its store');
    });

    it('close: what is queued goes at once; a post whose spool write ends after the close is refused and not kept', async () => {
      const q = intake();
      await q.accept(accepted('B-1', Buffer.from('{}')), 100);
      const late = q.accept(accepted('B-5', Buffer.from('{}')), 100);
      q.close();
      assert.equal(sent.length, 1, 'sent in close()');
      assert.equal(await late, false);
      assert.equal(spool.pending.entries, 1, 'only the first one waits for its store');
      assert.equal(await q.accept(accepted('B-1', Buffer.from('{}')), 100), false);
    });
  });

  it('MinuteCount: the last 60 seconds', () => {
    const c = new MinuteCount();
    c.add(5, 1_000_000);
    c.add(7, 1_030_000);
    assert.equal(c.total(1_030_000), 12);
    assert.equal(c.total(1_061_000), 7);
    assert.equal(c.total(1_200_000), 0);
  });
});
