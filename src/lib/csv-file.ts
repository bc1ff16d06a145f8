/**
 * An append-only CSV file that loses nothing it acknowledged and never writes half a line:
 * one open file handle, one write in flight at a time, rows that arrive meanwhile go out together
 * in the next write. The header is written once, when the file is new or empty. A torn last line
 * (the process died mid-write) is cut off when the file is opened.
 *
 * Rows from the spool (tagged with their entry, see spool.ts) are stored exactly once: before
 * such a write, an intent line (offset, length, tags) is appended to `<file>.journal`; at open, an
 * intent whose bytes are not all in the file is a write the process did not finish, and the file
 * is cut back to where it began. The journal's tags tell which spool rows the file holds (marks),
 * so that rows replayed after a crash are skipped when they were written before it. Framework-free.
 */
import { promises as fsp, constants as fsc } from 'fs';
import * as path from 'path';
import { formatRecords, headerLine, parseCsvLine, Preformatted, sameColumns, undefuse } from './csv';
import type { SpoolTag } from './spool';
import { writeAll } from './write-all';

export interface CsvFileOptions {
  /** absolute or relative path of the .csv file */
  file: string;
  /** fixed columns; omitted = the existing header's, or the first record's keys */
  columns?: readonly string[] | null;
  /** warnings (torn line cut, header mismatch); default: ignore */
  warn?: (text: string) => void;
}

interface Pending {
  records: readonly Record<string, unknown>[];
  tag: SpoolTag | null;
  /** the records' lines formatted ahead (csv.ts), used when they are in this file's columns */
  lines: Preformatted | null;
  resolve: (written: number) => void;
  reject: (err: Error) => void;
}

/** Which rows of one spool the file holds: whole entries (sorted [from, to) ranges of seq) and
 *  entries written in part (seq → rows written, from the first). */
interface Marks {
  done: [number, number][];
  part: Map<number, number>;
}

/** The journal is rewritten as one snapshot line past this size. */
const JOURNAL_MAX = 256 * 1024;

/** How much of the file's end is read to find its last line break. */
const TAIL_CHUNK = 64 * 1024;
/** Rows formatted and written at once at most: a long queue goes out in several writes, so the
 *  event loop is never held for long. */
const MAX_BATCH_ROWS = 2000;

export class CsvFile {
  readonly file: string;
  private columns: readonly string[] | null;
  private readonly fixedColumns: boolean;
  private readonly warn: (text: string) => void;
  private handle: fsp.FileHandle | null = null;
  private ino = 0;
  private size = 0;
  private needsHeader = false;
  private queue: Pending[] = [];
  private waitingRows = 0;
  private writing: Promise<void> | null = null;
  private opening: Promise<void> | null = null;
  private closed = false;
  private marks = new Map<string, Marks>();
  private journal: fsp.FileHandle | null = null;
  private journalSize = 0;
  /** rows written since open */
  rowsWritten = 0;

  constructor(options: CsvFileOptions) {
    this.file = path.resolve(options.file);
    this.columns = options.columns && options.columns.length ? [...options.columns] : null;
    this.fixedColumns = this.columns !== null;
    this.warn = options.warn ?? (() => undefined);
  }

  /** Bytes of the file that hold complete, acknowledged lines (what a reader may serve). */
  get committedSize(): number {
    return this.size;
  }

  get header(): readonly string[] | null {
    return this.columns;
  }

  /** Number of records waiting for the disk. */
  get backlog(): number {
    return this.waitingRows;
  }

  /** Creates the folder, repairs a torn last line, reads or checks the header, opens the file. */
  open(): Promise<void> {
    if (!this.opening) {
      this.opening = this.doOpen().catch((err) => {
        this.opening = null; // try again with the next write
        throw err;
      });
    }
    return this.opening;
  }

  /**
   * Appends records (one line each). Resolves once their bytes were handed to the OS; rejects
   * if the write failed (then nothing of that write stays in the file).
   */
  append(records: readonly Record<string, unknown>[], lines: Preformatted | null = null): Promise<void> {
    return this.enqueue(records, null, lines).then(() => undefined);
  }

  /**
   * Appends rows from a spool entry (tag): stored exactly once. The rows the file already holds
   * are skipped (a replay after a crash); resolves with the number of rows written now.
   */
  appendOnce(records: readonly Record<string, unknown>[], tag: SpoolTag, lines: Preformatted | null = null): Promise<number> {
    return this.enqueue(records, tag, lines);
  }

  private enqueue(records: readonly Record<string, unknown>[], tag: SpoolTag | null, lines: Preformatted | null): Promise<number> {
    if (this.closed) return Promise.reject(new Error('CSV file is closed'));
    if (records.length === 0) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ records, tag, lines: lines && lines.rows === records.length ? lines : null, resolve, reject });
      this.waitingRows += records.length;
      this.kick();
    });
  }

  /** How many of the tagged rows, from the first, the file holds already. */
  held(tag: SpoolTag): number {
    const m = this.marks.get(tag.spool);
    if (!m) return 0;
    if (inRanges(m.done, tag.seq)) return tag.count;
    return Math.max(0, Math.min(tag.count, (m.part.get(tag.seq) ?? 0) - tag.from));
  }

  /** Writes everything queued, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.handle) {
      const h = this.handle;
      this.handle = null;
      await h.close().catch(() => undefined);
    }
    if (this.journal) {
      const j = this.journal;
      this.journal = null;
      await j.close().catch(() => undefined);
    }
  }

  /** Resolves when everything queued so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.drain().finally(() => {
      this.writing = null;
      if (this.queue.length) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      let take = 0;
      let rows = 0;
      while (take < this.queue.length && (take === 0 || rows + this.queue[take].records.length <= MAX_BATCH_ROWS)) {
        rows += this.queue[take].records.length;
        take += 1;
      }
      const batch = this.queue.splice(0, take);
      this.waitingRows -= rows;
      let written: Pending[];
      try {
        await this.open();
        await this.ensureCurrent();
        written = await this.writeBatch(this.skipHeld(batch));
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
        continue;
      }
      for (const p of written) p.resolve(p.records.length);
    }
  }

  /** Drops the tagged rows the file holds already; a message with nothing left resolves with 0. */
  private skipHeld(batch: Pending[]): Pending[] {
    const out: Pending[] = [];
    for (const p of batch) {
      const skip = p.tag ? this.held(p.tag) : 0;
      if (skip === 0) out.push(p);
      else if (skip >= p.records.length) p.resolve(0);
      else out.push({ ...p, records: p.records.slice(skip), tag: { ...p.tag!, from: p.tag!.from + skip, count: p.tag!.count - skip }, lines: null });
    }
    return out;
  }

  /** Writes the batch's rows that convert; returns those (the others are rejected here). */
  private async writeBatch(batch: Pending[]): Promise<Pending[]> {
    // Columns are settled only now, after open() has read any existing header.
    if (this.columns === null) this.columns = Object.keys(batch[0].records[0]);
    const columns = this.columns;
    const parts: Uint8Array[] = [];
    let text = this.needsHeader ? headerLine(columns) : '';
    let rows = 0;
    const ok: Pending[] = [];
    for (const p of batch) {
      if (p.lines && sameColumns(p.lines.columns, columns)) {
        if (text) parts.push(Buffer.from(text, 'utf8'));
        text = '';
        parts.push(p.lines.bytes);
      } else {
        try {
          text += formatRecords(p.records, columns);
        } catch (err) {
          p.reject(err as Error);
          continue;
        }
      }
      rows += p.records.length;
      ok.push(p);
    }
    if (rows === 0) return ok;
    if (text) parts.push(Buffer.from(text, 'utf8'));
    let length = 0;
    for (const b of parts) length += b.byteLength;
    const tags = ok.filter((p) => p.tag !== null).map((p) => p.tag!);
    // Write-ahead: the intent is with the OS before the rows are.
    if (tags.length) await this.intend(length, tags);
    try {
      await writeAll(this.handle!, parts);
    } catch (err) {
      // Leave no half-written line behind.
      await this.handle!.truncate(this.size).catch(() => undefined);
      throw err;
    }
    this.size += length;
    this.needsHeader = false;
    this.rowsWritten += rows;
    for (const t of tags) this.mark(t);
    return ok;
  }

  /** Appends the intent line of a write of `length` bytes at the current end. */
  private async intend(length: number, tags: SpoolTag[]): Promise<void> {
    if (this.journalSize > JOURNAL_MAX) await this.compactJournal();
    const line = JSON.stringify({ i: this.ino, o: this.size, l: length, t: tags.map((t) => [t.spool, t.seq, t.from, t.count, t.total]) }) + '\n';
    const buf = Buffer.from(line, 'utf8');
    if (!this.journal) this.journal = await fsp.open(this.journalFile, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o644);
    await writeAll(this.journal, [buf]);
    this.journalSize += buf.length;
  }

  private mark(t: SpoolTag): void {
    let m = this.marks.get(t.spool);
    if (!m) {
      m = { done: [], part: new Map() };
      this.marks.set(t.spool, m);
    }
    const upto = t.from + t.count;
    if (upto >= t.total) {
      m.part.delete(t.seq);
      addToRanges(m.done, t.seq);
    } else if (upto > (m.part.get(t.seq) ?? 0)) {
      m.part.set(t.seq, upto);
    }
  }

  private get journalFile(): string {
    return this.file + '.journal';
  }

  /**
   * Reads the journal against the file: intents whose bytes are all there give the marks; the
   * intent of a write that did not finish cuts the file back to where that write began. Then
   * the journal is rewritten as one snapshot line. A journal of another file (the CSV was
   * replaced or is new) is dropped.
   */
  private async loadJournal(): Promise<void> {
    this.marks = new Map();
    if (this.journal) await this.journal.close().catch(() => undefined);
    this.journal = null;
    let text: string;
    try {
      text = await fsp.readFile(this.journalFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let st: { size: number; ino: number } = { size: 0, ino: -1 };
    try {
      st = await fsp.stat(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      let j: { i?: number; o?: number; l?: number; t?: [string, number, number, number, number][]; s?: Record<string, { d: [number, number][]; p: [number, number][] }> };
      try {
        j = JSON.parse(line);
      } catch {
        continue; // a torn last line: its write never began
      }
      if (j.i !== st.ino || st.size === 0) {
        this.marks = new Map(); // another file's journal
        continue;
      }
      if (j.s) {
        this.marks = new Map(Object.entries(j.s).map(([k, v]) => [k, { done: v.d, part: new Map(v.p) }]));
        continue;
      }
      if (typeof j.o !== 'number' || typeof j.l !== 'number' || !Array.isArray(j.t)) continue;
      if (j.o + j.l > st.size) {
        if (st.size > j.o) {
          this.warn(`cut the ${st.size - j.o} bytes of a write that did not finish from ${this.file} (its rows are written again from the spool)`);
          await fsp.truncate(this.file, j.o);
          st = { ...st, size: j.o };
        }
        continue;
      }
      for (const [spool, seq, from, count, total] of j.t) this.mark({ spool, seq, from, count, total });
    }
    this.ino = st.ino;
    await this.compactJournal();
  }

  /** Rewrites the journal as one snapshot line of the marks (through a temporary file). */
  private async compactJournal(): Promise<void> {
    if (this.journal) await this.journal.close().catch(() => undefined);
    this.journal = null;
    const s: Record<string, { d: [number, number][]; p: [number, number][] }> = {};
    for (const [k, m] of this.marks) s[k] = { d: m.done, p: [...m.part] };
    const line = JSON.stringify({ i: this.ino, s }) + '\n';
    const tmp = this.journalFile + '.tmp';
    await fsp.writeFile(tmp, line);
    await fsp.rename(tmp, this.journalFile);
    this.journalSize = Buffer.byteLength(line);
  }

  private async doOpen(): Promise<void> {
    await fsp.mkdir(path.dirname(this.file), { recursive: true });
    await this.repairTail();
    await this.loadJournal();
    await this.repairTail();
    await this.checkHeader();
    await this.openHandle();
  }

  /** Reopens when the file was deleted or replaced (log rotation) since it was opened. */
  private async ensureCurrent(): Promise<void> {
    let ino = -1;
    try {
      ino = (await fsp.stat(this.file)).ino;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (this.handle && ino === this.ino) return;
    if (this.handle) await this.handle.close().catch(() => undefined);
    this.handle = null;
    await this.doOpen();
  }

  private async openHandle(): Promise<void> {
    this.handle = await fsp.open(this.file, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o644);
    const st = await this.handle.stat();
    if (st.ino !== this.ino || st.size === 0) {
      // a new file (or one moved aside): the marks were about the old one
      this.ino = st.ino;
      if (this.marks.size) {
        this.marks = new Map();
        await this.compactJournal();
      }
    }
    this.size = st.size;
    this.needsHeader = st.size === 0;
  }

  /** Cuts an unterminated last line (a write torn by a crash). */
  private async repairTail(): Promise<void> {
    let h: fsp.FileHandle;
    try {
      h = await fsp.open(this.file, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const { size } = await h.stat();
      if (size === 0) return;
      let end = size;
      let keep = -1;
      // Walk back chunk by chunk to the last line break.
      while (end > 0 && keep < 0) {
        const start = Math.max(0, end - TAIL_CHUNK);
        const buf = Buffer.alloc(end - start);
        await h.read(buf, 0, buf.length, start);
        if (end === size && buf[buf.length - 1] === 0x0a) return; // intact
        const nl = buf.lastIndexOf(0x0a);
        if (nl >= 0) keep = start + nl + 1;
        end = start;
      }
      if (keep < 0) keep = 0;
      const torn = Buffer.alloc(Math.min(size - keep, 200));
      await h.read(torn, 0, torn.length, keep);
      await h.truncate(keep);
      this.warn(`cut a torn last line (${size - keep} bytes) from ${this.file}: ${JSON.stringify(torn.toString('utf8'))}`);
    } finally {
      await h.close();
    }
  }

  /**
   * Reads the first line of an existing file. Without fixed columns it becomes the column list;
   * with fixed columns that differ, the old file is moved aside so that no file mixes layouts.
   */
  private async checkHeader(): Promise<void> {
    const first = await readFirstLine(this.file);
    if (first === null) return;
    const existing = parseCsvLine(first);
    if (!this.fixedColumns) {
      // headerLine() defused names that look like formulas; the records still use the raw keys.
      this.columns = existing.map(undefuse);
      return;
    }
    const wanted = parseCsvLine(headerLine(this.columns!));
    if (existing.join('\u0000') === wanted.join('\u0000')) return;
    const parsed = path.parse(this.file);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    let aside = path.join(parsed.dir, `${parsed.name}.${stamp}${parsed.ext}`);
    // Never overwrite an earlier moved-aside file (rename replaces silently).
    for (let n = 1; await exists(aside); n++) aside = path.join(parsed.dir, `${parsed.name}.${stamp}-${n}${parsed.ext}`);
    await fsp.rename(this.file, aside);
    this.warn(`${this.file} had the header "${existing.join(',')}", not "${wanted.join(',')}": moved it to ${aside} and started a new file`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The file's first line (without its line break); null when the file is missing or empty. */
async function readFirstLine(file: string): Promise<string | null> {
  let h: fsp.FileHandle;
  try {
    h = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const buf = Buffer.alloc(16 * 1024);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    if (bytesRead === 0) return null;
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const nl = text.indexOf('\n');
    return nl >= 0 ? text.slice(0, nl) : text;
  } finally {
    await h.close();
  }
}

/** Whether seq lies in one of the sorted, disjoint [from, to) ranges. */
function inRanges(ranges: [number, number][], seq: number): boolean {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][1] <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length && ranges[lo][0] <= seq;
}

/** Adds seq to sorted, disjoint [from, to) ranges, joining neighbours (in order: the last grows). */
function addToRanges(ranges: [number, number][], seq: number): void {
  const last = ranges[ranges.length - 1];
  if (last && last[1] === seq) {
    last[1] = seq + 1;
    return;
  }
  if (inRanges(ranges, seq)) return;
  let i = 0;
  while (i < ranges.length && ranges[i][1] < seq) i++;
  if (i < ranges.length && ranges[i][1] === seq) {
    ranges[i][1] = seq + 1;
    if (i + 1 < ranges.length && ranges[i + 1][0] === seq + 1) {
      ranges[i][1] = ranges[i + 1][1];
      ranges.splice(i + 1, 1);
    }
  } else if (i < ranges.length && ranges[i][0] === seq + 1) {
    ranges[i][0] = seq;
  } else {
    ranges.splice(i, 0, [seq, seq + 1]);
  }
}
