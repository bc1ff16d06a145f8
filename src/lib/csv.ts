/**
 * CSV rows (SPEC section 5): one record → one line, as csv-stringify writes it (toCsvLines; the
 * writer's hot path formatRecords builds the same bytes directly).
 * Text that a spreadsheet would run as a formula is defused with a leading `'`; numbers stay
 * numbers; nested values are JSON; line breaks inside text become spaces so that every record is
 * exactly one line (the torn-line repair and line-based tools rely on it).
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

export type Cell = string | number;

/** The SPEC's file columns (contract). */
export const CSV_COLUMNS = Object.freeze({
  mvData: ['serial', 'zone', 'timeIn', 'timeOut', 'durationS', 'peakPeople', 'messages'],
  cmxData: [
    'time', 'clientMac', 'apMac', 'rssi', 'ssid', 'manufacturer', 'os', 'ipv4', 'lat', 'lng', 'unc',
    'x', 'y', 'floor', 'networkId', 'radio', 'version',
  ],
  correlation: ['serial', 'zone', 'timeIn', 'timeOut', 'peakPeople', 'clientMac', 'seenTime', 'rssi', 'apMac'],
  crossings: ['time', 'serial', 'boundaryId', 'label', 'event', 'objectType', 'objectId'],
} as const);

const FORMULA_START = /^[=+\-@\t\r]/;
const LINE_BREAKS = /[\r\n\u2028\u2029]+/g;

/** A leading `=`, `+`, `-`, `@`, tab or CR gets a `'` in front (OWASP CSV injection advice). */
export function defuse(text: string): string {
  return FORMULA_START.test(text) ? "'" + text : text;
}

/** The reverse of defuse() for a cell read back from a file we wrote. */
export function undefuse(text: string): string {
  return /^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}

/** One value → one CSV cell. */
export function toCell(value: unknown): Cell {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : '';
    case 'string':
      return defuse(value).replace(LINE_BREAKS, ' ');
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return '';
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
      try {
        // JSON escapes line breaks and starts with { [ or ", never with a formula character.
        return JSON.stringify(value) ?? '';
      } catch {
        return '';
      }
    default:
      return '';
  }
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Records → rows of cells, in column order. */
export function toRows(records: readonly Record<string, unknown>[], columns: readonly string[]): Cell[][] {
  const rows: Cell[][] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const row: Cell[] = new Array(columns.length);
    for (let c = 0; c < columns.length; c++) row[c] = toCell(own(record, columns[c]));
    rows[i] = row;
  }
  return rows;
}

/** Rows of cells → CSV text, one line each (and a trailing newline); one csv-stringify call. */
export function rowsToCsv(rows: readonly Cell[][]): string {
  return rows.length === 0 ? '' : stringify(rows as Cell[][], { eof: true, record_delimiter: 'unix' });
}

/**
 * Records → CSV text with one line per record (and a trailing newline), in column order, through
 * csv-stringify: the reference that formatRecords() (what files are written with) must equal.
 */
export function toCsvLines(records: readonly Record<string, unknown>[], columns: readonly string[]): string {
  return rowsToCsv(toRows(records, columns));
}

/** Text that is its own cell: no formula start, nothing to quote or replace. */
const PLAIN_TEXT = /^[^=+\-@\t\r\n\u2028\u2029,"][^\r\n\u2028\u2029,"]*$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One value → its text in a CSV line, as csv-stringify writes toCell(value). */
function field(value: unknown): string {
  if (typeof value === 'string' && PLAIN_TEXT.test(value)) return value;
  if (typeof value === 'number') return Number.isFinite(value) ? '' + value : '';
  const cell = toCell(value);
  if (typeof cell === 'number') return '' + cell;
  return NEEDS_QUOTES.test(cell) ? '"' + cell.replace(/"/g, '""') + '"' : cell;
}

/**
 * Records → CSV lines, built directly (the hot path of every CSV write): byte for byte what
 * rowsToCsv(toRows(records, columns)) gives through csv-stringify, which stays the reference
 * (test/unit/csv-fast.test.ts compares them on random records), without the intermediate rows.
 */
export function formatRecords(records: readonly Record<string, unknown>[], columns: readonly string[]): string {
  let out = '';
  const n = columns.length;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    let line = n > 0 ? field(own(record, columns[0])) : '';
    for (let c = 1; c < n; c++) line += ',' + field(own(record, columns[c]));
    out += line + '\n';
  }
  return out;
}

/** The fields of an observation (scanning.ts) that formatObservations() writes. */
export interface ObservationRow {
  time: string; clientMac: string; apMac: string | null; rssi: number; ssid: string | null; manufacturer: string | null;
  os: string | null; ipv4: string | null; lat: number | null; lng: number | null; unc: number | null; x: number | null;
  y: number | null; floor: string | null; networkId: string | null; radio: string; version: string;
}

/** A text or number cell of an observation, as field() writes it (null: empty). */
function cell(v: string | number | null): string {
  if (typeof v === 'string') return PLAIN_TEXT.test(v) ? v : field(v);
  if (typeof v === 'number') return v - v === 0 ? '' + v : '';
  return v === null ? '' : field(v);
}

/**
 * Observations → their cmxData.csv lines (CSV_COLUMNS.cmxData): byte for byte what
 * formatRecords(list, CSV_COLUMNS.cmxData) gives (test/unit/csv-fast.test.ts), with the columns
 * read by name instead of looked up one by one: the receiver's post worker formats every post so.
 * A post has one AP (v2) or a few, one network, floor, radio and version: the cell of such a
 * column is made again only when its text differs from the line before's (a string is its cell's
 * only input; anything else is made every time).
 * `own`: the observations are PostNormaliser's (or decodeObservations'), whose clientMac is
 * normaliseMac's or hashMac's (hex digits and `:` only) and whose time is isoUtc's (digits and
 * `-:T.Z`, a sign first only outside the years 0–9999): then clientMac, and a time that starts
 * with a digit, are their own cells and are not checked again (test/unit/post-lines.test.ts shows
 * that what PostNormaliser keeps of any post is so).
 */
export function formatObservations(list: readonly ObservationRow[], own = false): string {
  let out = '';
  let apMac: unknown = null, apCell = '', floor: unknown = null, floorCell = '', network: unknown = null, networkCell = '';
  let radio: unknown = null, radioCell = '', version: unknown = null, versionCell = '';
  for (let i = 0; i < list.length; i++) {
    const o = list[i];
    const a = o.apMac, f = o.floor, n = o.networkId, r = o.radio, v = o.version;
    if (a !== apMac || typeof a !== 'string') apCell = cell((apMac = a));
    if (f !== floor || typeof f !== 'string') floorCell = cell((floor = f));
    if (n !== network || typeof n !== 'string') networkCell = cell((network = n));
    if (r !== radio || typeof r !== 'string') radioCell = cell((radio = r));
    if (v !== version || typeof v !== 'string') versionCell = cell((version = v));
    const t = o.time;
    const time = own && t.charCodeAt(0) <= 57 && t.charCodeAt(0) >= 48 ? t : cell(t);
    out += time + ',' + (own ? o.clientMac : cell(o.clientMac)) + ',' + apCell + ',' + cell(o.rssi) + ',' + cell(o.ssid) + ',' +
      cell(o.manufacturer) + ',' + cell(o.os) + ',' + cell(o.ipv4) + ',' + cell(o.lat) + ',' + cell(o.lng) + ',' + cell(o.unc) + ',' +
      cell(o.x) + ',' + cell(o.y) + ',' + floorCell + ',' + networkCell + ',' + radioCell + ',' + versionCell + '\n';
  }
  return out;
}

/** The header line for these columns (names are defused too: they may come from records). */
export function headerLine(columns: readonly string[]): string {
  return stringify([columns.map((c) => toCell(c))], { eof: true, record_delimiter: 'unix' });
}

/**
 * The fields of one CSV line (RFC 4180 quoting, by csv-parse); a line break at its end, or a lone
 * CR (a CRLF file's line whose \n was cut), is not part of it. A line that cannot be read (an
 * unclosed quote) is one field. Used to read an existing header, and lines while seeking a time.
 */
export function parseCsvLine(line: string): string[] {
  const text = line.replace(/\r?\n?$/, '');
  try {
    const rows = parse(text, { relax_column_count: true, relax_quotes: true, record_delimiter: ['\n', '\r\n'] }) as string[][];
    return rows[0] ?? [''];
  } catch {
    return [text];
  }
}

/** Column names from a user's text (`a, b, c`); empty → null (take the first record's keys). */
export function parseColumns(text: unknown): string[] | null {
  if (Array.isArray(text)) {
    const cols = text.map((c) => String(c).trim()).filter((c) => c !== '');
    return cols.length ? cols : null;
  }
  if (typeof text !== 'string' || text.trim() === '') return null;
  const cols = text.split(',').map((c) => c.trim()).filter((c) => c !== '');
  return cols.length ? cols : null;
}

/**
 * CSV lines formatted ahead for a batch of records (the receiver's post worker formats a post's
 * lines beside normalising it), so that the csv-store the batch goes to directly does not format
 * them again. Kept beside the records array itself (a WeakMap: gone with the array), for the one
 * store on the sender's first wire (Node-RED clones the message for every other wire, and a node
 * that gets the array may change it and send it on), and taken once. The file uses them
 * only when its columns are `columns` and the batch is whole; else it formats the records as
 * always, so that what is written never depends on this.
 */
export interface Preformatted {
  columns: readonly string[];
  /** one UTF-8 line per record, in order */
  bytes: Uint8Array;
  rows: number;
  /** id of the csv-store node that gets this very array (the sender's first wire) */
  for: string;
}

const preformatted = new WeakMap<object, Preformatted>();

export function attachLines(records: readonly object[], lines: Preformatted): void {
  if (lines.rows === records.length) preformatted.set(records, lines);
}

/**
 * The lines formatted ahead for this very array, when they are meant for `who` and the array still
 * has their rows; taken once (the array may go on to other nodes, which may change it).
 */
export function attachedLines(records: readonly object[], who: string): Preformatted | null {
  const p = preformatted.get(records);
  if (p === undefined) return null;
  preformatted.delete(records);
  return p.rows === records.length && p.for === who ? p : null;
}

export function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
