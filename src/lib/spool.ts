/**
 * The spool: a journal of accepted Scanning API posts, so that a `202` survives a process kill.
 * A post is appended (handed to the OS: a write, no fsync) before it is answered; it stays until
 * every CSV store expected to write it has done so (`ack`), then it is marked done and its segment
 * file is deleted once all of that segment is done. At start, `open()` returns the entries that
 * were never marked done: the receiver replays them (a CSV store skips the rows its file already
 * holds, see csv-file's marks), so nothing acknowledged is lost and nothing is stored twice.
 *
 * Files, in the spool folder: `<name>.id` (a random id, so that sequence numbers of a deleted and
 * recreated spool never mix with old marks) and segments `<name>.<first seq>.spool`, each a run of
 * records `[magic u32][type u8][seq u32][length u32][payload][end magic u32]`: type 1 a post body,
 * type 2 done marks (payload: u32 sequence numbers). A torn record at the end (the process died
 * mid-write) is cut off at open. Framework-free.
 */
import { randomBytes } from 'crypto';
import { promises as fsp, constants as fsc } from 'fs';
import * as path from 'path';
import { writeAll } from './write-all';

const MAGIC = 0x53584d43; // "CMXS"
const END = 0x0a444e45; // "END\n"
const HEAD = 13;
const TAIL = 4;
const POST = 1;
const DONE = 2;
/** A new segment file is started past this size. */
const SEGMENT_BYTES = 32 * 1024 * 1024;
/** Done marks wait this long for a write to go with. */
const DONE_DELAY_MS = 200;

export interface SpoolEntry {
  seq: number;
  body: Buffer;
}

/** What a CSV store is told about the rows of a message: where they come from in the spool. */
export interface SpoolTag {
  /** the spool's id */
  spool: string;
  seq: number;
  /** index of the message's first row among the entry's rows, and how many it carries */
  from: number;
  count: number;
  /** rows of the whole entry */
  total: number;
}

export interface SpoolOptions {
  /** folder of the spool files (created if missing) */
  dir: string;
  /** file name stem, e.g. from the receiver's path */
  name: string;
  segmentBytes?: number;
  warn?: (text: string) => void;
}

interface Segment {
  file: string;
  first: number;
  size: number;
  /** entries of this segment not yet done */
  live: number;
}

interface Entry {
  segment: Segment;
  bytes: number;
  /** node id → rows still to write; undefined until expect() */
  waiting?: Map<string, number>;
}

/** Open spools by id, so that CSV stores can acknowledge what they wrote. */
const open = new Map<string, Spool>();

/** A CSV store wrote `rows` rows of the message tagged `tag` (node id `who`). */
export function acknowledge(tag: SpoolTag, who: string, rows: number): void {
  open.get(tag.spool)?.ack(tag.seq, who, rows);
}

/** Reads a tag from a message property; null when it is not one. */
export function spoolTag(v: unknown): SpoolTag | null {
  if (typeof v !== 'object' || v === null) return null;
  const t = v as Record<string, unknown>;
  const n = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  return typeof t.spool === 'string' && n(t.seq) && n(t.from) && n(t.count) && n(t.total) ? (t as unknown as SpoolTag) : null;
}

export class Spool {
  id = '';
  readonly dir: string;
  private readonly name: string;
  private readonly segmentBytes: number;
  private readonly warn: (text: string) => void;
  private segments: Segment[] = [];
  private handle: fsp.FileHandle | null = null;
  private nextSeq = 0;
  private readonly entries = new Map<number, Entry>();
  private pendingBytes = 0;
  private queue: { bufs: Buffer[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  private doneQueue: number[] = [];
  private doneTimer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(options: SpoolOptions) {
    this.dir = path.resolve(options.dir);
    this.name = options.name;
    this.segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
    this.warn = options.warn ?? (() => undefined);
  }

  /** Entries appended and not yet done, and their body bytes. */
  get pending(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.pendingBytes };
  }

  /**
   * Opens the spool: reads every segment, cuts a torn record off the last one, deletes segments
   * whose entries are all done, and returns the entries never marked done (in sequence order).
   */
  async open(): Promise<SpoolEntry[]> {
    await fsp.mkdir(this.dir, { recursive: true });
    this.id = await this.readId();
    const files = (await fsp.readdir(this.dir))
      .map((f) => ({ f, m: new RegExp(`^${escape(this.name)}\\.(\\d+)\\.spool$`).exec(f) }))
      .filter((x) => x.m)
      .map((x) => ({ file: path.join(this.dir, x.f), first: Number(x.m![1]) }))
      .sort((a, b) => a.first - b.first);
    const bodies = new Map<number, { body: Buffer; segment: Segment }>();
    const done = new Set<number>();
    for (let i = 0; i < files.length; i++) {
      const seg: Segment = { file: files[i].file, first: files[i].first, size: 0, live: 0 };
      const buf = await fsp.readFile(seg.file);
      const end = readRecords(buf, (type, seq, payload) => {
        if (type === POST) bodies.set(seq, { body: payload, segment: seg });
        else for (let k = 0; k + 4 <= payload.length; k += 4) done.add(payload.readUInt32LE(k));
        if (seq >= this.nextSeq) this.nextSeq = seq + 1;
      });
      if (end < buf.length) {
        this.warn(`cut a torn record (${buf.length - end} bytes) from ${seg.file}`);
        await fsp.truncate(seg.file, end);
      }
      seg.size = end;
      if (seg.first > this.nextSeq) this.nextSeq = seg.first;
      this.segments.push(seg);
    }
    const pending: SpoolEntry[] = [];
    for (const [seq, { body, segment }] of [...bodies].sort((a, b) => a[0] - b[0])) {
      if (done.has(seq)) continue;
      segment.live += 1;
      this.entries.set(seq, { segment, bytes: body.length });
      this.pendingBytes += body.length;
      pending.push({ seq, body });
    }
    if (this.segments.length === 0) this.segments.push(this.newSegment());
    const active = this.segments[this.segments.length - 1];
    for (const seg of this.segments.slice(0, -1)) if (seg.live === 0) await this.drop(seg);
    this.handle = await fsp.open(active.file, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o600);
    open.set(this.id, this);
    return pending;
  }

  /** Appends a post body; resolves with its sequence number once the bytes were handed to the OS. */
  append(body: Buffer): Promise<number> {
    if (this.closed || !this.handle) return Promise.reject(new Error('the spool is closed'));
    const seq = this.nextSeq++;
    const segment = this.segments[this.segments.length - 1];
    this.entries.set(seq, { segment, bytes: body.length });
    segment.live += 1;
    this.pendingBytes += body.length;
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ bufs: record(POST, seq, body), resolve: () => resolve(seq), reject });
      this.kick();
    }).catch((err: Error) => {
      this.finish(seq);
      throw err;
    });
  }

  /**
   * The entry's rows were sent: each CSV store in `who` is to write `rows` of them. With none
   * (nothing to write, or no store) the entry is done at once.
   */
  expect(seq: number, rows: number, who: Iterable<string>): void {
    const e = this.entries.get(seq);
    if (!e) return;
    e.waiting = new Map();
    if (rows > 0) for (const id of who) e.waiting.set(id, rows);
    if (e.waiting.size === 0) this.done(seq);
  }

  /** A CSV store wrote `rows` rows of the entry. */
  ack(seq: number, who: string, rows: number): void {
    const left = this.entries.get(seq)?.waiting;
    const n = left?.get(who);
    if (!left || n === undefined) return;
    if (n - rows > 0) left.set(who, n - rows);
    else left.delete(who);
    if (left.size === 0) this.done(seq);
  }

  /** The entry needs nothing more: marked done, its segment deleted once all of it is done. */
  done(seq: number): void {
    if (!this.finish(seq)) return;
    this.doneQueue.push(seq);
    if (!this.doneTimer && !this.closed) {
      this.doneTimer = setTimeout(() => {
        this.doneTimer = null;
        this.kick();
      }, DONE_DELAY_MS);
      this.doneTimer.unref?.();
    }
  }

  /**
   * An entry that cannot be dealt with now: it stays in its file for the next open, and no longer
   * counts as pending (neither in `pending` nor for `settled`).
   */
  park(seq: number): void {
    this.forget(seq);
  }

  /** Resolves when no entry is pending (or after `ms`). */
  settled(ms: number): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.idle.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Writes what is queued (done marks included) and closes; pending entries stay for the next open. */
  async close(): Promise<void> {
    if (this.doneTimer) clearTimeout(this.doneTimer);
    this.doneTimer = null;
    this.kick();
    while (this.writing) await this.writing;
    this.closed = true;
    if (open.get(this.id) === this) open.delete(this.id);
    if (this.handle) await this.handle.close().catch(() => undefined);
    this.handle = null;
    // Nothing pending: the files have no use any more, except the newest (it carries the sequence).
    if (this.entries.size === 0) for (const seg of this.segments.slice(0, -1)) if (seg.live === 0) await this.drop(seg);
  }

  private finish(seq: number): boolean {
    const e = this.forget(seq);
    if (!e) return false;
    e.segment.live -= 1;
    if (e.segment.live === 0 && e.segment !== this.segments[this.segments.length - 1]) void this.drop(e.segment);
    return true;
  }

  /** The entry no longer pending (done or parked); wakes settled() when none is left. */
  private forget(seq: number): Entry | null {
    const e = this.entries.get(seq);
    if (!e) return null;
    this.entries.delete(seq);
    this.pendingBytes -= e.bytes;
    if (this.entries.size === 0) for (const f of this.idle.splice(0)) f();
    return e;
  }

  private kick(): void {
    if (this.writing || !this.handle) return;
    this.writing = this.drain().finally(() => {
      this.writing = null;
      if (this.queue.length) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while ((this.queue.length || this.doneQueue.length) && this.handle) {
      const batch = this.queue.splice(0);
      const bufs = batch.flatMap((b) => b.bufs);
      if (this.doneQueue.length) {
        const seqs = this.doneQueue.splice(0);
        const payload = Buffer.allocUnsafe(seqs.length * 4);
        seqs.forEach((s, k) => payload.writeUInt32LE(s, k * 4));
        bufs.push(...record(DONE, seqs[seqs.length - 1], payload));
      }
      const segment = this.segments[this.segments.length - 1];
      try {
        await writeAll(this.handle, bufs);
        for (const b of bufs) segment.size += b.length;
      } catch (err) {
        for (const b of batch) b.reject(err as Error);
        continue;
      }
      for (const b of batch) b.resolve();
      if (segment.size >= this.segmentBytes) await this.rotate();
    }
  }

  /** Starts a new segment file; the old one goes once all of it is done. */
  private async rotate(): Promise<void> {
    const old = this.segments[this.segments.length - 1];
    const seg = this.newSegment();
    const h = await fsp.open(seg.file, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o600);
    await this.handle?.close().catch(() => undefined);
    this.handle = h;
    this.segments.push(seg);
    if (old.live === 0) await this.drop(old);
  }

  private newSegment(): Segment {
    return { file: path.join(this.dir, `${this.name}.${String(this.nextSeq).padStart(10, '0')}.spool`), first: this.nextSeq, size: 0, live: 0 };
  }

  private async drop(seg: Segment): Promise<void> {
    const i = this.segments.indexOf(seg);
    if (i < 0) return;
    this.segments.splice(i, 1);
    await fsp.unlink(seg.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.warn(`could not delete ${seg.file}: ${err.message}`);
    });
  }

  private async readId(): Promise<string> {
    const file = path.join(this.dir, `${this.name}.id`);
    try {
      const id = (await fsp.readFile(file, 'utf8')).trim();
      if (/^[0-9a-f]{16}$/.test(id)) return id;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const id = randomBytes(8).toString('hex');
    await fsp.writeFile(file, id + '\n', { mode: 0o600 });
    return id;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A record as the buffers to write (the payload is not copied). */
function record(type: number, seq: number, payload: Buffer): Buffer[] {
  const head = Buffer.allocUnsafe(HEAD);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt8(type, 4);
  head.writeUInt32LE(seq >>> 0, 5);
  head.writeUInt32LE(payload.length, 9);
  const tail = Buffer.allocUnsafe(TAIL);
  tail.writeUInt32LE(END, 0);
  return [head, payload, tail];
}

/** Calls `each` for every whole record; returns where the whole records end. */
export function readRecords(buf: Buffer, each: (type: number, seq: number, payload: Buffer) => void): number {
  let off = 0;
  while (off + HEAD <= buf.length) {
    if (buf.readUInt32LE(off) !== MAGIC) break;
    const type = buf.readUInt8(off + 4);
    const seq = buf.readUInt32LE(off + 5);
    const len = buf.readUInt32LE(off + 9);
    const end = off + HEAD + len + TAIL;
    if ((type !== POST && type !== DONE) || end > buf.length || buf.readUInt32LE(end - TAIL) !== END) break;
    each(type, seq, buf.subarray(off + HEAD, off + HEAD + len));
    off = end;
  }
  return off;
}


/**
 * The text of an accepted post for the spool: the raw body with the secret's value blanked
 * (same length, so it stays valid JSON), or the parsed body written anew without it when the raw
 * text is not at hand or spells the secret another way.
 */
export function spoolBody(raw: Buffer | null, body: Record<string, unknown>, secret: string): Buffer {
  if (raw && secret) {
    const value = Buffer.from(JSON.stringify(secret));
    let found = false;
    for (let i = raw.indexOf(value); i >= 0; i = raw.indexOf(value, i + value.length)) {
      if (!isSecretMember(raw, i)) continue;
      raw.fill(0x2a, i + 1, i + value.length - 1); // '*'
      found = true;
    }
    if (found) return raw;
  }
  return Buffer.from(JSON.stringify({ ...body, secret: '' }));
}

/** Whether the string at `i` is the value of a `"secret"` member: `"secret" : <here>`. */
function isSecretMember(buf: Buffer, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && (buf[k] === 0x20 || buf[k] === 0x09 || buf[k] === 0x0a || buf[k] === 0x0d)) k--;
  if (buf[k] !== 0x3a) return false; // ':'
  k--;
  while (k >= 0 && (buf[k] === 0x20 || buf[k] === 0x09 || buf[k] === 0x0a || buf[k] === 0x0d)) k--;
  const key = Buffer.from('"secret"');
  return k - key.length + 1 >= 0 && buf.subarray(k - key.length + 1, k + 1).equals(key);
}
