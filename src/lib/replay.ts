/**
 * After a restart, the analytics are rebuilt from the CSV files csv-store wrote: only the part of
 * each file inside the window is read (a binary search over the file finds where it starts), with
 * csv-parse. replayInto fills a Correlator (mvData, cmxData, correlation.csv), replayCrossings a
 * LineCounter (crossings.csv). Framework-free.
 */
import { createReadStream, promises as fsp } from 'fs';
import { parse } from 'csv-parse';
import { parseCsvLine, undefuse } from './csv';
import type { ActivityInput, ObservationInput, SummaryCorrelation } from './correlate';
import { crossingFromRow } from './crossing';
import type { LineCounter } from './line-counter';

/** Rows a little older than `since` are read too: the files are in arrival order, nearly time order. */
const MARGIN = 3_600_000;
const PROBE = 64 * 1024;

async function readBytes(h: fsp.FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  const { bytesRead } = await h.read(buf, 0, len, pos);
  return buf.subarray(0, bytesRead);
}

async function readAt(h: fsp.FileHandle, pos: number, len: number): Promise<string> {
  return (await readBytes(h, pos, len)).toString('utf8');
}

/**
 * Byte offset of the first line whose time (column `timeColumn`) may be ≥ since − margin,
 * assuming the file is roughly in time order; the header's end when unsure.
 */
async function seek(h: fsp.FileHandle, size: number, headerEnd: number, timeColumn: number, since: number): Promise<number> {
  let lo = headerEnd;
  let hi = size;
  while (hi - lo > PROBE) {
    const mid = Math.floor((lo + hi) / 2);
    // Line breaks are found in bytes: `lo` is a byte offset (multi-byte text would shift a character index).
    const bytes = await readBytes(h, mid, 4096);
    const nl = bytes.indexOf(0x0a);
    const end = bytes.indexOf(0x0a, nl + 1);
    if (nl < 0 || end < 0) break;
    const t = Date.parse(undefuse(parseCsvLine(bytes.subarray(nl + 1, end).toString('utf8'))[timeColumn] ?? ''));
    if (Number.isFinite(t) && t < since - MARGIN) lo = mid + nl + 1;
    else hi = mid;
  }
  // lo is a line start (the header's end, or just after a line break).
  return lo;
}

/**
 * Calls `onRow` with every record (an object keyed by the header) of the file whose time column
 * is ≥ since. Resolves with the number of rows read; 0 when the file does not exist.
 */
export async function readCsvSince(
  file: string,
  timeColumnName: string,
  since: number,
  onRow: (row: Record<string, string>) => void,
): Promise<number> {
  let h: fsp.FileHandle;
  try {
    h = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let start: number;
  let columns: string[];
  try {
    const { size } = await h.stat();
    const head = await readAt(h, 0, Math.min(size, 16 * 1024));
    const nl = head.indexOf('\n');
    if (nl < 0) return 0;
    columns = parseCsvLine(head.slice(0, nl)).map(undefuse);
    const timeColumn = columns.indexOf(timeColumnName);
    if (timeColumn < 0) throw new Error(`${file} has no column ${timeColumnName}`);
    start = await seek(h, size, Buffer.byteLength(head.slice(0, nl + 1)), timeColumn, since);
  } finally {
    await h.close();
  }
  let rows = 0;
  const parser = createReadStream(file, { start }).pipe(
    parse({ columns, relax_column_count: true, skip_empty_lines: true, skip_records_with_error: true }),
  );
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    const t = Date.parse(record[timeColumnName]);
    if (!(t >= since)) continue;
    rows += 1;
    onRow(record);
  }
  return rows;
}

const numOrNull = (v: string | undefined): number | null => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

/** A cmxData.csv row → an observation (null when unusable). */
export function observationFromRow(row: Record<string, string>): ObservationInput | null {
  const ts = Date.parse(row.time);
  const rssi = numOrNull(row.rssi);
  const clientMac = undefuse(row.clientMac ?? '');
  if (!Number.isFinite(ts) || rssi === null || !clientMac) return null;
  return { ts, clientMac, rssi, apMac: row.apMac ? undefuse(row.apMac) : null };
}

/** An mvData.csv row → an activity (null when unusable). */
export function activityFromRow(row: Record<string, string>): ActivityInput | null {
  const tsIn = Date.parse(row.timeIn);
  const tsOut = Date.parse(row.timeOut);
  const peakPeople = numOrNull(row.peakPeople);
  if (!Number.isFinite(tsIn) || !Number.isFinite(tsOut) || peakPeople === null || !row.serial) return null;
  return {
    serial: undefuse(row.serial),
    zone: undefuse(row.zone ?? '0'),
    tsIn,
    tsOut,
    timeIn: row.timeIn,
    timeOut: row.timeOut,
    durationS: numOrNull(row.durationS) ?? (tsOut - tsIn) / 1000,
    peakPeople,
    messages: numOrNull(row.messages) ?? 0,
  };
}

/** correlation.csv rows (one per device) → correlations, grouped by activity, in file order. */
export class CorrelationRows {
  private readonly groups = new Map<string, SummaryCorrelation>();

  add(row: Record<string, string>): void {
    if (!row.serial || !row.timeIn || !row.timeOut || !row.clientMac) return;
    const key = `${row.serial}|${row.zone}|${row.timeIn}|${row.timeOut}`;
    let c = this.groups.get(key);
    if (!c) {
      c = {
        serial: undefuse(row.serial),
        zone: undefuse(row.zone ?? '0'),
        timeIn: row.timeIn,
        timeOut: row.timeOut,
        peakPeople: numOrNull(row.peakPeople) ?? 0,
        devices: [],
      };
      this.groups.set(key, c);
    }
    c.devices.push({ clientMac: undefuse(row.clientMac), seenTime: row.seenTime, rssi: numOrNull(row.rssi) ?? 0, apMac: row.apMac ? undefuse(row.apMac) : null });
  }

  values(): SummaryCorrelation[] {
    return [...this.groups.values()];
  }
}

/** The CSV files a Correlator is rebuilt from (null: not configured). */
export interface ReplayFiles {
  mv: string | null;
  cmx: string | null;
  correlation: string | null;
}

/** What replayInto() read back. */
export type ReplayCounts = {
  activities: number;
  observations: number;
  correlations: number;
};

/** The parts of a Correlator that a replay fills. */
export interface ReplayTarget {
  restoreActivity(a: ActivityInput): void;
  addObservation(o: ObservationInput): void;
  restoreCorrelation(c: SummaryCorrelation): void;
}

/** Activities that began this long before the window may still overlap it. */
const ACTIVITY_LEAD = 6 * 3_600_000;

/**
 * Rebuilds a correlator's window after a restart from the files csv-store wrote: activities (from a
 * little before `since`), observations and correlations since `since`. `onActivity` sees each
 * activity restored (e.g. to learn its camera's labels); nothing more is added once `stopped()`.
 */
export async function replayInto(
  target: ReplayTarget,
  files: ReplayFiles,
  since: number,
  hooks: { onActivity?: (a: ActivityInput) => void; stopped?: () => boolean } = {},
): Promise<ReplayCounts> {
  const stopped = hooks.stopped ?? (() => false);
  const counts: ReplayCounts = { activities: 0, observations: 0, correlations: 0 };
  if (files.mv) {
    await readCsvSince(files.mv, 'timeIn', since - ACTIVITY_LEAD, (row) => {
      const a = activityFromRow(row);
      if (!a || stopped()) return;
      target.restoreActivity(a);
      hooks.onActivity?.(a);
      counts.activities += 1;
    });
  }
  if (files.cmx) {
    await readCsvSince(files.cmx, 'time', since, (row) => {
      const o = observationFromRow(row);
      if (!o || stopped()) return;
      target.addObservation(o);
      counts.observations += 1;
    });
  }
  if (files.correlation) {
    const rows = new CorrelationRows();
    await readCsvSince(files.correlation, 'timeIn', since, (row) => rows.add(row));
    for (const c of rows.values()) target.restoreCorrelation(c);
    counts.correlations = rows.values().length;
  }
  return counts;
}

/**
 * Rebuilds a line counter after a restart from crossings.csv: the rows since the start of its window
 * or the last reset of its areas, whichever is earlier, in file order, as of `now`. Nothing more is
 * added once `stopped()`. Resolves with the number of crossings counted.
 */
export async function replayCrossings(counter: LineCounter, file: string, now: number, stopped: () => boolean = () => false): Promise<number> {
  let rows = 0;
  await readCsvSince(file, 'time', Math.min(counter.windowStart(now), counter.lastResetAt), (row) => {
    const x = crossingFromRow(row);
    if (x && !stopped() && counter.add(x, now, true).status === 'counted') rows += 1;
  });
  return rows;
}
