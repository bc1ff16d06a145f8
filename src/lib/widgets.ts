/**
 * The dashboard tab's widget messages (SPEC section 6): what its charts, dropdowns, gauge, tables
 * and snapshot template take, shaped from the analytics summary (cmx-mv-correlate), the entrances
 * summary (line-counter), activities, snapshots (mv-snapshot) and the camera feed's status, for
 * node-red-dashboard (`1`: ui_chart, ui_dropdown, ui_gauge, ui_text, ui_template) and FlowFuse
 * Dashboard 2.0 (`2`: ui-chart, ui-dropdown, ui-gauge, ui-text, ui-table, ui-template).
 *
 * Everything shown is text: times are formatted here in the summary's time zone, links are only
 * ever http(s) URLs (node-red-dashboard turns Angular's link sanitising off, Vue has none), images
 * only http(s) or data:image URIs, and the one output that widgets render as HTML (the status
 * line, ui_text/ui-text) is escaped here. Framework-free.
 */
import { defaultZoneLabel } from './config-maps';
import { failed, ok, Result } from './result';
import { SnapshotResult, SnapshotStore } from './snapshot';
import { parseTime } from './time';
import { isTimeZone } from './tz';
import { type DashboardVersion, WIDGET_DEFAULTS, WIDGET_LIMITS } from './widget-settings';

/** A zone's name when the summary gives no label: the default label, else "zone N". */
const zoneName = (zone: string): string => defaultZoneLabel(zone) ?? `zone ${zone}`;

export type { DashboardVersion } from './widget-settings';

/** The node's outputs, in order (wires and editor labels follow it). */
export const WIDGET_OUTPUTS = [
  'status',
  'zoneOptions',
  'zones',
  'zoneHourly',
  'zoneSnapshots',
  'activities',
  'visitors',
  'visitsHourly',
  'devices',
  'correlations',
  'areaOptions',
  'occupancy',
  'entrancesHourly',
  'areas',
] as const;
export type WidgetOutput = (typeof WIDGET_OUTPUTS)[number];

export interface WidgetMessage {
  topic: WidgetOutput;
  payload: unknown;
  [key: string]: unknown;
}

/**
 * A table column: `sub` shows a second, muted line from another key; `link` makes the cell a link
 * to the http(s) URL in that key; `width` is the column's share of the table.
 */
export interface Column {
  key: string;
  title: string;
  width: string;
  num?: boolean;
  sub?: string;
  link?: string;
}

/** A column: its key, title and share of the width; `more` makes it a number, a link or two-line. */
const col = (key: string, title: string, width: string, more: Omit<Column, 'key' | 'title' | 'width'> = {}): Column => ({ key, title, ...more, width });
const NUM = { num: true };

/** The columns of each table output (Dashboard 2.0's ui-table nodes are configured with the same keys). */
export const TABLE_COLUMNS = {
  zones: [col('zone', 'Zone', '40%', { sub: 'camera' }), col('activities', 'Activities', '24%', NUM), col('people', 'People', '18%', NUM), col('last', 'Last', '18%')],
  activities: [col('time', 'Time', '24%'), col('zone', 'Zone', '42%', { sub: 'camera' }), col('peak', 'Peak', '14%', NUM), col('footage', 'Footage', '20%', { link: 'footageUrl' })],
  visitors: [col('figure', 'Figure', '70%'), col('value', 'Value', '30%', NUM)],
  devices: [col('device', 'Device', '40%', { sub: 'tag' }), col('visits', 'Visits', '14%', NUM), col('dwell', 'Dwell', '16%', NUM), col('seen', 'Seen', '30%')],
  correlations: [col('time', 'Activity', '18%'), col('zone', 'Zone', '30%'), col('device', 'Device nearby', '40%'), col('rssi', 'RSSI', '12%', NUM)],
  areas: [col('area', 'Area', '40%'), col('occupancy', 'Now', '15%', NUM), col('peak', 'Peak', '15%', NUM), col('enters', 'In', '15%', NUM), col('exits', 'Out', '15%', NUM)],
};
export type TableOutput = keyof typeof TABLE_COLUMNS;

/**
 * Rows shown per table: the tables are for a glance (the CSV files hold everything), and a fixed
 * number of rows of fixed height lets each card be sized to its content.
 */
export const TABLE_ROWS: Record<TableOutput, number> = { zones: 8, activities: 8, visitors: 6, devices: 10, correlations: 10, areas: 8 };

/** Snapshots shown of the picked zone. */
const SNAPSHOTS_SHOWN = 4;

// ---------------------------------------------------------------------------------------------
// Text, links and times

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML (ui_text and ui-text render their value as HTML). */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** An http(s) URL as a link target, or null (javascript:, data:, relative, malformed...). */
export function httpUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 4096) return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
}

const DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

/** An image source: an http(s) URL or a base64 data:image URI of a raster type (never SVG, which can carry script). */
export function imageSrc(value: unknown): string | null {
  if (typeof value === 'string' && value.startsWith('data:')) return DATA_IMAGE.test(value) ? value : null;
  return httpUrl(value);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, withDay: boolean, withSeconds: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withDay}|${withSeconds}`;
  let f = formatters.get(key);
  if (!f) {
    const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      ...(withDay ? { day: '2-digit', month: 'short' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : {}),
    });
    if (formatters.size > 100) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

/**
 * A time (ISO string or epoch ms) as local text in the zone: `22:59` (with `seconds`: `22:59:30`)
 * on the same local day as `now`, else `26 Nov, 22:59`. Unreadable → ''.
 */
export function formatTime(value: unknown, timeZone: string, now: number, seconds = false): string {
  const t = typeof value === 'number' ? value : (parseTime(value) ?? NaN);
  if (!Number.isFinite(t) || Math.abs(t) > 8.64e15) return '';
  const day = formatter(timeZone, true, false);
  const sameDay = day.format(t).slice(0, 6) === day.format(now).slice(0, 6);
  return formatter(timeZone, !sameDay, seconds).format(t);
}

/** Seconds as `45 s`, `12 min`, `1.5 h`. */
export function formatDwell(seconds: unknown): string {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** A short text from the network for a table cell: a string, at most `max` characters. */
function text(value: unknown, max = 80): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

function num(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function obj(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function list(value: unknown, max: number): unknown[] {
  return Array.isArray(value) ? value.slice(0, max) : [];
}

/** 24 numbers (index = local hour); anything else → zeros. */
function hours24(value: unknown): number[] {
  const out = new Array<number>(24).fill(0);
  if (Array.isArray(value)) for (let h = 0; h < 24; h++) out[h] = Math.max(0, num(value[h]));
  return out;
}

/** A round gauge maximum at or above v: 10, 20, 25, 50, 100, 200, 250, 500, 1000, ... */
export function niceMax(v: number): number {
  let m = 10;
  const steps = [1, 2, 2.5, 5];
  for (let p = 10; ; p *= 10) {
    for (const s of steps) {
      m = s * p;
      if (m >= v) return m;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// What comes in (read defensively: a user can wire anything in)

export interface ZoneView {
  key: string;
  serial: string;
  zone: string;
  label: string;
  camera: string;
  activities: number;
  people: number;
  lastActivityAt: string;
}

export interface SummaryView {
  generatedAt: number;
  timezone: string;
  windowHours: number;
  zones: ZoneView[];
  hourly: Map<string, number[]>;
  cmxHourly: number[];
  busiestHour: { mv: number | null; cmx: number | null };
  visitors: { devices: number; visits: number; avgDwellS: number; filteredDevices: number };
  devices: { clientMac: string; visits: number; dwellS: number; firstSeen: string; lastSeen: string; staff: boolean }[];
  correlations: { serial: string; zone: string; timeIn: string; timeOut: string; peakPeople: number; devices: { clientMac: string; rssi: number }[] }[];
}

/** The entrances summary of `line-counter` (SPEC section 4). */
export interface EntrancesView {
  generatedAt: number;
  timezone: string;
  windowHours: number;
  lines: { serial: string; boundaryId: string; label: string; in: number; out: number }[];
  hourly: Map<string, { in: number[]; out: number[] }>;
  areas: { name: string; occupancy: number; enters: number; exits: number; peakOccupancy: number; lines: string[] }[];
}

const hourOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 24 ? v : null);

/** The analytics summary, or why it is not one. */
export function readSummary(p: unknown, now: number): Result<SummaryView> {
  const s = obj(p);
  if (!s || !Array.isArray(s.zones) || !obj(s.hourly)) return failed('not an analytics summary (zones, hourly)');
  const generated = typeof s.generatedAt === 'string' ? Date.parse(s.generatedAt) : NaN;
  const hourlyIn = obj(s.hourly)!;
  const zones: ZoneView[] = [];
  const hourly = new Map<string, number[]>();
  for (const raw of list(s.zones, 500)) {
    const z = obj(raw);
    if (!z) continue;
    const serial = text(z.serial, 64);
    const zone = text(z.zone, 64);
    const key = `${serial}/${zone}`;
    zones.push({
      key,
      serial,
      zone,
      label: text(z.label) || zoneName(zone),
      camera: text(z.name) || serial,
      activities: num(z.activities),
      people: num(z.people),
      lastActivityAt: text(z.lastActivityAt, 40),
    });
    hourly.set(key, hours24(Object.prototype.hasOwnProperty.call(hourlyIn, key) ? hourlyIn[key] : null));
  }
  const visitors = obj(s.visitors) ?? {};
  const busiest = obj(s.busiestHour) ?? {};
  return ok({
    generatedAt: Number.isFinite(generated) ? generated : now,
    timezone: text(s.timezone, 64) || 'UTC',
    windowHours: num(s.windowHours) || 24,
    zones,
    hourly,
    cmxHourly: hours24(s.cmxHourly),
    busiestHour: { mv: hourOrNull(busiest.mv), cmx: hourOrNull(busiest.cmx) },
    visitors: { devices: num(visitors.devices), visits: num(visitors.visits), avgDwellS: num(visitors.avgDwellS), filteredDevices: num(visitors.filteredDevices) },
    devices: list(s.devices, 100).map((raw) => {
      const d = obj(raw) ?? {};
      return { clientMac: text(d.clientMac, 64), visits: num(d.visits), dwellS: num(d.dwellS), firstSeen: text(d.firstSeen, 40), lastSeen: text(d.lastSeen, 40), staff: d.staff === true };
    }),
    correlations: list(s.correlations, 50).map((raw) => {
      const c = obj(raw) ?? {};
      return {
        serial: text(c.serial, 64),
        zone: text(c.zone, 64),
        timeIn: text(c.timeIn, 40),
        timeOut: text(c.timeOut, 40),
        peakPeople: num(c.peakPeople),
        devices: list(c.devices, 200).map((d) => ({ clientMac: text(obj(d)?.clientMac, 64), rssi: num(obj(d)?.rssi) })),
      };
    }),
  });
}

/** The entrances summary of line-counter, or why it is not one. */
export function readEntrances(p: unknown, now: number): Result<EntrancesView> {
  const e = obj(p);
  if (!e || !Array.isArray(e.lines) || !Array.isArray(e.areas)) return failed('not an entrances summary (lines, areas)');
  const generated = typeof e.generatedAt === 'string' ? Date.parse(e.generatedAt) : NaN;
  const hourlyIn = obj(e.hourly) ?? {};
  const hourly = new Map<string, { in: number[]; out: number[] }>();
  for (const key of Object.keys(hourlyIn).slice(0, 500)) {
    const h = obj(hourlyIn[key]);
    if (h) hourly.set(key, { in: hours24(h.in), out: hours24(h.out) });
  }
  return ok({
    generatedAt: Number.isFinite(generated) ? generated : now,
    timezone: text(e.timezone, 64) || 'UTC',
    windowHours: num(e.windowHours) || 24,
    lines: list(e.lines, 500).map((raw) => {
      const l = obj(raw) ?? {};
      const boundaryId = text(l.boundaryId, 64);
      return { serial: text(l.serial, 64), boundaryId, label: text(l.label) || boundaryId, in: num(l.in), out: num(l.out) };
    }),
    hourly,
    areas: list(e.areas, 200).map((raw) => {
      const a = obj(raw) ?? {};
      return {
        name: text(a.name) || '(unnamed area)',
        occupancy: Math.max(0, num(a.occupancy)),
        enters: num(a.enters),
        exits: num(a.exits),
        peakOccupancy: Math.max(0, num(a.peakOccupancy)),
        lines: list(a.lines, 100).map((x) => text(x, 140)),
      };
    }),
  });
}

/** An activity of activity-detector (for the recent activities before the correlator has them). */
export interface ActivityView {
  serial: string;
  zone: string;
  tsIn: number;
  tsOut: number;
  peakPeople: number;
}

/** What a message into the node is. */
export type WidgetInput =
  | { kind: 'summary'; value: SummaryView }
  | { kind: 'entrances'; value: EntrancesView }
  | { kind: 'snapshot'; value: SnapshotResult }
  | { kind: 'activity'; value: ActivityView }
  | { kind: 'feed'; value: { fill: string; text: string } }
  | { kind: 'pickZone'; value: string }
  | { kind: 'pickArea'; value: string }
  | { kind: 'refresh' };

/** The value a dropdown sends: its option's value (Dashboard 2.0 may send the option object). */
function picked(payload: unknown): string | null {
  if (typeof payload === 'string') return payload.slice(0, 200);
  const o = obj(payload);
  if (o && typeof o.value === 'string') return o.value.slice(0, 200);
  return null;
}

/**
 * Tells what a message is: the summary (`topic` "summary", or zones + hourly), the entrances
 * summary (lines + areas), a snapshot (serial + url), an activity (serial, tsIn, tsOut), a status
 * node's message (`msg.status`), a zone or area picked (`topic` "zone" / "area"), or `refresh`.
 * Anything else → a reason.
 */
export function classifyWidgetInput(msg: { topic?: unknown; payload?: unknown; status?: unknown }, now: number): Result<WidgetInput> {
  const status = obj(msg.status);
  if (status) return ok({ kind: 'feed', value: { fill: text(status.fill, 20), text: text(status.text, 120) } });
  if (msg.topic === 'refresh' || msg.payload === 'refresh') return ok({ kind: 'refresh' });
  if (msg.topic === 'zone' || msg.topic === 'area') {
    const value = picked(msg.payload);
    if (value === null) return failed(`a picked ${msg.topic} must be a string`);
    return ok(msg.topic === 'zone' ? { kind: 'pickZone', value } : { kind: 'pickArea', value });
  }
  const p = obj(msg.payload);
  if (!p) return failed('payload must be a summary, an entrances summary, a snapshot or an activity');
  if (Array.isArray(p.lines) && Array.isArray(p.areas)) {
    const e = readEntrances(p, now);
    return e.ok ? ok({ kind: 'entrances', value: e.value }) : e;
  }
  if (msg.topic === 'summary' || (Array.isArray(p.zones) && obj(p.hourly))) {
    const s = readSummary(p, now);
    return s.ok ? ok({ kind: 'summary', value: s.value }) : s;
  }
  if (typeof p.serial === 'string' && typeof p.url === 'string' && typeof p.ts === 'number' && Number.isFinite(p.ts)) {
    return ok({
      kind: 'snapshot',
      value: {
        serial: text(p.serial, 64),
        zone: p.zone === null || p.zone === undefined ? null : text(p.zone, 64),
        ts: p.ts,
        time: text(p.time, 40),
        url: p.url.slice(0, 4096),
        expiry: typeof p.expiry === 'string' ? p.expiry : null,
        videoLink: typeof p.videoLink === 'string' ? p.videoLink.slice(0, 4096) : null,
        ...(typeof p.image === 'string' ? { image: p.image } : {}),
      },
    });
  }
  if (typeof p.serial === 'string' && typeof p.tsIn === 'number' && typeof p.tsOut === 'number' && Number.isFinite(p.tsIn) && Number.isFinite(p.tsOut)) {
    return ok({ kind: 'activity', value: { serial: text(p.serial, 64), zone: text(p.zone ?? '0', 64), tsIn: p.tsIn, tsOut: p.tsOut, peakPeople: num(p.peakPeople) } });
  }
  return failed('payload is neither a summary, an entrances summary, a snapshot nor an activity');
}

// ---------------------------------------------------------------------------------------------
// Widget messages

export const HOUR_LABELS: string[] = Array.from({ length: 24 }, (_, h) => String(h));

export interface Series {
  name: string;
  values: number[];
}

/**
 * A bar chart of values per local hour. Dashboard 1 (ui_chart, Chart.js): the whole chart as
 * `[{series, data, labels}]`, with axis titles and integer ticks through `ui_control.options`.
 * Dashboard 2.0 (ui-chart, ECharts, categorical x axis, x = `hour`, y = `value`, series =
 * `series`): the points, replacing the chart, and each bar's value printed on top of it.
 */
export function hourlyChart(dashboard: DashboardVersion, series: Series[], axes: { x: string; y: string }): Record<string, unknown> {
  if (dashboard === 1) {
    if (series.length === 0) return { payload: [] };
    return {
      payload: [{ series: series.map((s) => s.name), data: series.map((s) => s.values.slice(0, 24)), labels: HOUR_LABELS }],
      ui_control: {
        options: {
          scales: {
            xAxes: [{ scaleLabel: { display: true, labelString: axes.x }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 4 }, gridLines: { display: false } }],
            yAxes: [{ scaleLabel: { display: true, labelString: axes.y }, ticks: { beginAtZero: true, precision: 0, maxTicksLimit: 6 } }],
          },
        },
      },
    };
  }
  // An empty hour is a gap (null), not a bar of 0: no bar, and no "0" printed over every quiet hour.
  const points: { hour: string; value: number | null; series: string }[] = [];
  for (const s of series) for (let h = 0; h < 24; h++) points.push({ hour: HOUR_LABELS[h], value: s.values[h] || null, series: s.name });
  return {
    payload: points,
    action: 'replace',
    ui_update: {
      chartOptions: {
        yAxis: { minInterval: 1 },
        // (labels that would overlap a neighbour's, on a narrow screen, are left out)
        series: series.map((s) => ({ name: s.name, type: 'bar', label: { show: true, position: 'top', fontSize: 10 }, labelLayout: { hideOverlap: true } })),
      },
    },
  };
}

export interface Option {
  label: string;
  value: string;
}

/** A dropdown's options and its selection (null: none). */
export function dropdown(dashboard: DashboardVersion, options: Option[], selected: string | null): Record<string, unknown> {
  if (dashboard === 1) {
    // node-red-dashboard reads each option as {label: value}; the label is shown as text
    return { options: options.map((o) => ({ [o.label]: o.value })), payload: selected ?? '' };
  }
  // Dashboard 2.0 shows an empty dropdown as an error ("No options available"): hidden until there is something to pick
  return { ui_update: { options: options.map((o) => ({ label: o.label, value: o.value })) }, payload: selected ?? [], visible: options.length > 0 };
}

/** A gauge's value and range. */
export function gauge(dashboard: DashboardVersion, value: number, max: number): Record<string, unknown> {
  return dashboard === 1 ? { payload: value, ui_control: { min: 0, max } } : { payload: value, ui_update: { min: 0, max } };
}

/**
 * A table: Dashboard 1 takes `{columns, rows, empty, more}` into the tab's table template (one
 * template for every table); Dashboard 2.0's ui-table takes the rows, its columns set in the node
 * (dashboard2Columns). A link column goes to ui-table as an HTML cell: an anchor made here, the
 * URL checked and everything escaped (ui-table's own link cell shows the whole URL).
 */
export function table(dashboard: DashboardVersion, name: TableOutput, rows: Record<string, string | number>[], empty: string, more = ''): Record<string, unknown> {
  const kept = rows.slice(0, TABLE_ROWS[name]);
  if (dashboard === 1) {
    const hidden = rows.length - kept.length;
    return { payload: { columns: TABLE_COLUMNS[name], rows: kept, empty, more: hidden > 0 && more ? more.replace('{n}', String(hidden)) : '' } };
  }
  const columns = TABLE_COLUMNS[name] as Column[];
  const shaped = kept.map((r) => {
    const row = { ...r };
    for (const c of columns) {
      if (c.sub) {
        if (row[c.sub] !== '' && row[c.sub] !== undefined) row[c.key] = `${row[c.key]} · ${row[c.sub]}`;
        delete row[c.sub];
      }
      if (c.link) {
        const url = httpUrl(row[c.link]);
        row[c.key] = url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(row[c.key])}</a>` : escapeHtml(row[c.key]);
        delete row[c.link];
      }
    }
    return row;
  });
  return { payload: shaped, action: 'replace' };
}

/** A Dashboard 2.0 ui-table column (the node's `columns` setting). */
export interface Dashboard2Column {
  title: string;
  key: string;
  keyType: 'key';
  type: 'text' | 'html';
  width: string;
  align: 'start' | 'end';
}

/**
 * The columns of a table output for its Dashboard 2.0 ui-table node: a `sub` line is appended to
 * its cell (` · camera`), so that the table stays narrow enough for a phone; a link is an HTML cell.
 */
export function dashboard2Columns(name: TableOutput): Dashboard2Column[] {
  return (TABLE_COLUMNS[name] as Column[]).map((c) => ({ title: c.title, key: c.key, keyType: 'key', type: c.link ? 'html' : 'text', width: c.width, align: c.num ? 'end' : 'start' }));
}

// ---------------------------------------------------------------------------------------------
// The board: the latest of everything, and the widget messages it makes

export interface BoardOptions {
  dashboard?: DashboardVersion;
  /** latest snapshots kept per zone (default 6, at most 50: src/lib/widget-settings) */
  snapshotsPerZone?: number;
  /** the hint shown before any data came */
  emptyHint?: string;
}

export const EMPTY_HINT = 'No data yet: send MV Sense counts over MQTT and Scanning API posts to /cmx, or run `npm run demo` in a clone of the package repository.';

const MAX_ACTIVITIES = 50;

/**
 * The latest summary, entrances, snapshots, activities, feed status and picks; `update()` takes
 * one input and returns the widget messages that changed (all of them on `refresh`), by output.
 */
export class WidgetBoard {
  readonly dashboard: DashboardVersion;
  private summary: SummaryView | null = null;
  private entrances: EntrancesView | null = null;
  private readonly snapshots: SnapshotStore;
  private activities: ActivityView[] = [];
  private feed: { fill: string; text: string; since: number } | null = null;
  private zone: string | null = null;
  private area: string | null = null;
  private readonly last = new Map<WidgetOutput, string>();
  private readonly hint: string;

  constructor(options: BoardOptions = {}) {
    this.dashboard = options.dashboard === 2 ? 2 : 1;
    const perZone = options.snapshotsPerZone;
    this.snapshots = new SnapshotStore(perZone && perZone > 0 ? Math.min(WIDGET_LIMITS.snapshots.max, perZone) : WIDGET_DEFAULTS.snapshots);
    this.hint = options.emptyHint ?? EMPTY_HINT;
  }

  get zoneCount(): number {
    return this.summary?.zones.length ?? 0;
  }

  get areaCount(): number {
    return this.entrances?.areas.length ?? 0;
  }

  get pickedZone(): string | null {
    return this.zone;
  }

  /** Takes one input; returns the messages of the outputs whose content changed. */
  update(input: WidgetInput, now: number): Partial<Record<WidgetOutput, WidgetMessage>> {
    switch (input.kind) {
      case 'summary':
        this.summary = input.value;
        break;
      case 'entrances':
        this.entrances = input.value;
        break;
      case 'snapshot':
        this.snapshots.add(input.value);
        break;
      case 'activity':
        this.addActivity(input.value);
        break;
      case 'feed':
        if (!this.feed || this.feed.text !== input.value.text || this.feed.fill !== input.value.fill) this.feed = { ...input.value, since: now };
        break;
      case 'pickZone':
        this.zone = input.value;
        break;
      case 'pickArea':
        this.area = input.value;
        break;
      case 'refresh':
        this.last.clear();
        break;
    }
    return this.changed(now);
  }

  /** Every output's message as it stands. */
  messages(now: number): Record<WidgetOutput, WidgetMessage> {
    // A pick that is not (or no longer) in the list falls back to the first entry.
    const zones = this.summary?.zones ?? [];
    if (!zones.some((z) => z.key === this.zone)) this.zone = zones.length ? zones[0].key : null;
    const areas = this.entrances?.areas ?? [];
    if (!areas.some((a) => a.name === this.area)) this.area = areas.length ? areas[0].name : null;
    const out = {} as Record<WidgetOutput, WidgetMessage>;
    const put = (topic: WidgetOutput, m: Record<string, unknown>): void => {
      out[topic] = { topic, ...m } as WidgetMessage;
    };
    put('status', { payload: this.statusText(now) });
    put('zoneOptions', dropdown(this.dashboard, zones.map((z) => ({ label: `${z.label} · ${z.camera}`, value: z.key })), zones.length ? this.zone : null));
    put('zones', table(this.dashboard, 'zones', this.zoneRows(now), 'No activity in the window yet.', '+{n} quieter zones: pick them above'));
    put('zoneHourly', hourlyChart(this.dashboard, this.zoneSeries(), { x: 'local hour', y: 'people' }));
    put('zoneSnapshots', { payload: this.zoneSnapshots(now) });
    put('activities', table(this.dashboard, 'activities', this.activityRows(now), 'No activity yet.'));
    put('visitors', table(this.dashboard, 'visitors', this.visitorRows(), 'No Wi-Fi data yet.'));
    put('visitsHourly', hourlyChart(this.dashboard, this.summary ? [{ name: 'visits', values: this.summary.cmxHourly }] : [], { x: 'local hour', y: 'visits' }));
    put('devices', table(this.dashboard, 'devices', this.deviceRows(now), 'No device seen yet.'));
    put('correlations', table(this.dashboard, 'correlations', this.correlationRows(now), 'No device was near a camera during an activity yet.'));
    put('areaOptions', dropdown(this.dashboard, areas.map((a) => ({ label: a.name, value: a.name })), areas.length ? this.area : null));
    const area = areas.find((a) => a.name === this.area);
    put('occupancy', gauge(this.dashboard, area?.occupancy ?? 0, niceMax(Math.max(area?.peakOccupancy ?? 0, area?.occupancy ?? 0))));
    put('entrancesHourly', hourlyChart(this.dashboard, this.entranceSeries(), { x: 'local hour', y: 'people crossing' }));
    put('areas', table(this.dashboard, 'areas', this.areaRows(), 'No line crossing counted yet.'));
    return out;
  }

  private changed(now: number): Partial<Record<WidgetOutput, WidgetMessage>> {
    const all = this.messages(now);
    const out: Partial<Record<WidgetOutput, WidgetMessage>> = {};
    for (const name of WIDGET_OUTPUTS) {
      const json = JSON.stringify(all[name]);
      if (this.last.get(name) === json) continue;
      this.last.set(name, json);
      out[name] = all[name];
    }
    return out;
  }

  private addActivity(a: ActivityView): void {
    const list = this.activities.filter((x) => !(x.serial === a.serial && x.zone === a.zone && x.tsIn === a.tsIn));
    list.push(a);
    list.sort((x, y) => y.tsIn - x.tsIn);
    this.activities = list.slice(0, MAX_ACTIVITIES);
  }

  private get timezone(): string {
    return this.summary?.timezone ?? this.entrances?.timezone ?? 'UTC';
  }

  private zoneOf(serial: string, zone: string): { label: string; camera: string } {
    const z = this.summary?.zones.find((x) => x.serial === serial && x.zone === zone);
    return z ? { label: z.label, camera: z.camera } : { label: zoneName(zone), camera: serial };
  }

  /** The status line (HTML, everything in it escaped): the camera feed's state, then what the tab shows or what to do first. */
  private statusText(now: number): string {
    const parts: string[] = [];
    if (this.feed) {
      const state = this.feed.text.startsWith('node-red:') ? this.feed.text.split('.').pop() ?? '' : this.feed.text;
      // <font color>: node-red-dashboard's ui_text passes its HTML through Angular's sanitiser, which drops style attributes
      const colour = this.feed.fill === 'green' ? '#2e7d32' : this.feed.fill === 'red' ? '#c62828' : '#9a6b00';
      parts.push(
        `Camera feed (MQTT): <b class="mx-feed-state"><font color="${colour}">${escapeHtml(state || 'unknown')}</font></b> since ${escapeHtml(formatTime(this.feed.since, this.timezone, now, true))}`,
      );
    }
    const s = this.summary;
    // (lines named in an area map are listed before anyone crossed them)
    const hasData = (s && (s.zones.length > 0 || s.visitors.devices + s.visitors.filteredDevices > 0)) || this.entrances?.lines.some((l) => l.in + l.out > 0);
    if (!hasData) {
      parts.push(`<span class="mx-hint">${escapeHtml(this.hint).replace(/`([^`]+)`/g, '<code>$1</code>')}</span>`);
    } else {
      const generated = s?.generatedAt ?? this.entrances!.generatedAt;
      parts.push(`Last ${escapeHtml(s?.windowHours ?? this.entrances!.windowHours)} h, times in ${escapeHtml(this.timezone)}, updated ${escapeHtml(formatTime(generated, this.timezone, now, true))}`);
    }
    return `<span class="mx-status">${parts.join(' · ')}</span>`;
  }

  /** The zones, busiest (most people) first. */
  private zoneRows(now: number): Record<string, string | number>[] {
    const zones = [...(this.summary?.zones ?? [])].sort((x, y) => y.people - x.people || (x.key < y.key ? -1 : 1));
    return zones.map((z) => ({
      key: z.key,
      zone: z.label,
      camera: z.camera,
      activities: z.activities,
      people: z.people,
      last: formatTime(z.lastActivityAt, this.timezone, now),
    }));
  }

  private zoneSeries(): Series[] {
    if (!this.summary || this.zone === null) return [];
    const values = this.summary.hourly.get(this.zone);
    return values ? [{ name: 'people', values }] : [];
  }

  /** The picked zone's latest snapshots: image, link to the full image, time, footage link. */
  private zoneSnapshots(now: number): { zone: string; items: { src: string; href: string | null; time: string; footage: string | null }[]; empty: string } {
    const key = this.zone;
    const recent = this.snapshots.recent();
    const items = [];
    for (const s of key ? (recent[key] ?? []) : []) {
      if (items.length === SNAPSHOTS_SHOWN) break;
      const src = imageSrc(s.image) ?? imageSrc(s.url);
      if (!src) continue;
      items.push({ src, href: httpUrl(s.url), time: formatTime(s.time || s.ts, this.timezone, now, true), footage: httpUrl(s.videoLink) });
    }
    const z = key ? this.summary?.zones.find((x) => x.key === key) : undefined;
    return {
      zone: z ? `${z.label} · ${z.camera}` : '',
      items,
      empty: key ? 'No snapshot of this zone yet (snapshots need a Meraki Dashboard API key).' : 'Pick a zone.',
    };
  }

  /** Recent activities from the summary's correlations and from activities sent in directly, with the footage link of a snapshot taken during each. */
  private activityRows(now: number): Record<string, string | number>[] {
    const byKey = new Map<string, ActivityView>();
    for (const c of this.summary?.correlations ?? []) {
      const tsIn = Date.parse(c.timeIn);
      const tsOut = Date.parse(c.timeOut);
      if (Number.isFinite(tsIn)) byKey.set(`${c.serial}/${c.zone}/${tsIn}`, { serial: c.serial, zone: c.zone, tsIn, tsOut: Number.isFinite(tsOut) ? tsOut : tsIn, peakPeople: c.peakPeople });
    }
    for (const a of this.activities) byKey.set(`${a.serial}/${a.zone}/${a.tsIn}`, a);
    const recent = this.snapshots.recent();
    return [...byKey.values()]
      .sort((x, y) => y.tsIn - x.tsIn)
      .slice(0, TABLE_ROWS.activities)
      .map((a) => {
        const snap = (recent[`${a.serial}/${a.zone}`] ?? []).find((s) => s.ts >= a.tsIn && s.ts <= a.tsOut);
        const footageUrl = httpUrl(snap?.videoLink) ?? '';
        const z = this.zoneOf(a.serial, a.zone);
        return { time: formatTime(a.tsIn, this.timezone, now, true), zone: z.label, camera: z.camera, peak: a.peakPeople, footage: footageUrl ? 'open' : '–', footageUrl };
      });
  }

  private visitorRows(): Record<string, string | number>[] {
    const s = this.summary;
    if (!s) return [];
    const hour = (h: number | null): string => (h === null ? '–' : `${h}:00`);
    return [
      { figure: 'Visitor devices', value: s.visitors.devices },
      { figure: 'Visits', value: s.visitors.visits },
      { figure: 'Average dwell', value: formatDwell(s.visitors.avgDwellS) },
      { figure: 'Busiest hour (Wi-Fi)', value: hour(s.busiestHour.cmx) },
      { figure: 'Busiest hour (cameras)', value: hour(s.busiestHour.mv) },
      { figure: 'Staff / fixed devices left out', value: s.visitors.filteredDevices },
    ];
  }

  private deviceRows(now: number): Record<string, string | number>[] {
    return (this.summary?.devices ?? []).map((d) => ({
      device: d.clientMac,
      tag: d.staff ? 'staff / fixed device' : '',
      visits: d.visits,
      dwell: formatDwell(d.dwellS),
      seen: `${formatTime(d.firstSeen, this.timezone, now)}–${formatTime(d.lastSeen, this.timezone, now)}`,
    }));
  }

  /** One row per device near a camera during an activity (as in correlation.csv), newest activity first. */
  private correlationRows(now: number): Record<string, string | number>[] {
    const rows: Record<string, string | number>[] = [];
    for (const c of this.summary?.correlations ?? []) {
      const z = this.zoneOf(c.serial, c.zone);
      for (const d of c.devices) {
        rows.push({ time: formatTime(c.timeIn, this.timezone, now), zone: z.label, camera: z.camera, device: d.clientMac, rssi: d.rssi });
        if (rows.length > TABLE_ROWS.correlations) return rows;
      }
    }
    return rows;
  }

  /** Entrances (in) and exits (out) per local hour, over every line. */
  private entranceSeries(): Series[] {
    if (!this.entrances) return [];
    const ins = new Array<number>(24).fill(0);
    const outs = new Array<number>(24).fill(0);
    for (const h of this.entrances.hourly.values()) {
      for (let i = 0; i < 24; i++) {
        ins[i] += h.in[i];
        outs[i] += h.out[i];
      }
    }
    return [
      { name: 'in', values: ins },
      { name: 'out', values: outs },
    ];
  }

  private areaRows(): Record<string, string | number>[] {
    return (this.entrances?.areas ?? []).map((a) => ({ area: a.name, occupancy: a.occupancy, peak: a.peakOccupancy, enters: a.enters, exits: a.exits }));
  }
}
