/**
 * The dashboard widgets' messages (src/lib/widgets): text, links and times made safe; the shapes
 * node-red-dashboard and Dashboard 2.0 take; and the board, fed a summary made by the real
 * Correlator, the entrances summary of SPEC section 4, snapshots and activities.
 */
import { strict as assert } from 'assert';
import { parseAreas } from '../../src/lib/config-maps';
import { Correlator } from '../../src/lib/correlate';
import { LineCounter } from '../../src/lib/line-counter';
import {
  classifyWidgetInput,
  dropdown,
  EMPTY_HINT,
  escapeHtml,
  formatDwell,
  formatTime,
  gauge,
  hourlyChart,
  httpUrl,
  imageSrc,
  niceMax,
  readEntrances,
  readSummary,
  table,
  TABLE_COLUMNS,
  TABLE_ROWS,
  WIDGET_OUTPUTS,
  WidgetBoard,
  WidgetInput,
} from '../../src/lib/widgets';

const NOW = Date.UTC(2024, 5, 20, 12, 0, 0);
const H = 3_600_000;
const LOBBY = 'Q2GV-7HJK-2LMN';
const CAFE = 'Q2FV-3PQR-8STU';
const HOSTILE = '<img src=x onerror=alert(1)>';
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

/** A summary as cmx-mv-correlate makes it: two zones of the lobby camera, one of the café, a correlated activity. */
function summary(): unknown {
  const c = new Correlator({
    timeZone: 'Europe/London',
    labels: new Map([
      [`${LOBBY}`, 'Lobby entrance'],
      [`${LOBBY}/1`, HOSTILE],
      [`${CAFE}/0`, 'Café counter'],
    ]),
  });
  c.addObservation({ ts: NOW - 2 * H + 10_000, clientMac: 'aa:bb:cc:00:00:01', rssi: 60, apMac: 'e0:55:3d:10:4a:c1' });
  c.addObservation({ ts: NOW - 2 * H + 20_000, clientMac: 'aa:bb:cc:00:00:02', rssi: 50, apMac: 'e0:55:3d:10:4a:c1' });
  c.addActivity({ serial: LOBBY, zone: '0', tsIn: NOW - 2 * H, tsOut: NOW - 2 * H + 60_000, peakPeople: 3 }, NOW);
  c.addActivity({ serial: LOBBY, zone: '1', tsIn: NOW - 1 * H, tsOut: NOW - 1 * H + 60_000, peakPeople: 2 }, NOW);
  c.addActivity({ serial: CAFE, zone: '0', tsIn: NOW - 3 * H, tsOut: NOW - 3 * H + 60_000, peakPeople: 5 }, NOW);
  c.settle(NOW + 200_000); // past waitS: every activity is correlated
  return JSON.parse(JSON.stringify(c.summary(NOW)));
}

/** The entrances summary of SPEC section 4 (line-counter's second output). */
function entrances(): unknown {
  const inA = new Array(24).fill(0);
  const outA = new Array(24).fill(0);
  inA[9] = 12;
  outA[9] = 3;
  outA[17] = 9;
  const inB = new Array(24).fill(0);
  inB[9] = 4;
  return {
    generatedAt: new Date(NOW).toISOString(),
    timezone: 'Europe/London',
    windowHours: 24,
    lines: [
      { serial: LOBBY, boundaryId: '100', label: 'Front door', in: 12, out: 12 },
      { serial: CAFE, boundaryId: '200', label: null, in: 4, out: 0 },
    ],
    hourly: { [`${LOBBY}/100`]: { in: inA, out: outA }, [`${CAFE}/200`]: { in: inB, out: new Array(24).fill(0) } },
    areas: [
      { name: 'Shop', occupancy: 17, enters: 16, exits: 12, peakOccupancy: 23, lines: [`${LOBBY}/100`] },
      { name: HOSTILE, occupancy: 1, enters: 4, exits: 3, peakOccupancy: 2, lines: [`${CAFE}/200`] },
    ],
  };
}

const snapshot = (serial: string, zone: string, ts: number, extra: Record<string, unknown> = {}) => ({
  serial,
  zone,
  ts,
  time: new Date(ts).toISOString(),
  url: `https://spn4.meraki.com/stream/jpeg/snapshot/${serial}-${ts}`,
  expiry: null,
  videoLink: `https://n123.meraki.com/o/v/${serial}?timestamp=${ts}`,
  image: PNG,
  ...extra,
});

function input(msg: Record<string, unknown>): WidgetInput {
  const i = classifyWidgetInput(msg, NOW);
  if (!i.ok) throw new Error(i.reason);
  return i.value;
}

describe('widgets: text, links, times', function () {
  it('escapes HTML', function () {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(escapeHtml(null), '');
  });

  it('lets only http(s) URLs become links', function () {
    assert.equal(httpUrl('https://n123.meraki.com/a?b=1'), 'https://n123.meraki.com/a?b=1');
    assert.equal(httpUrl('http://127.0.0.1:9/x'), 'http://127.0.0.1:9/x');
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<b>', 'vbscript:x', '//evil.example/x', '/relative', 'not a url', '', 42, null, 'https://' + 'a'.repeat(5000)]) {
      assert.equal(httpUrl(bad), null, String(bad));
    }
  });

  it('lets only http(s) and raster data:image URIs become image sources', function () {
    assert.equal(imageSrc(PNG), PNG);
    assert.equal(imageSrc('data:image/jpeg;base64,/9j/4AAQ'), 'data:image/jpeg;base64,/9j/4AAQ');
    assert.equal(imageSrc('data:image/svg+xml;base64,PHN2Zz4='), null);
    assert.equal(imageSrc('data:text/html;base64,PHN2Zz4='), null);
    assert.equal(imageSrc('data:image/png;base64,abc"onerror="x'), null);
    assert.equal(imageSrc('javascript:alert(1)'), null);
    assert.equal(imageSrc('https://spn4.meraki.com/x.jpg'), 'https://spn4.meraki.com/x.jpg');
  });

  it('formats times in the zone: the time on the same local day, with the date otherwise', function () {
    const t = Date.UTC(2024, 5, 20, 8, 5, 9);
    assert.equal(formatTime(t, 'Europe/London', NOW), '09:05');
    assert.equal(formatTime(new Date(t).toISOString(), 'Europe/London', NOW, true), '09:05:09');
    assert.equal(formatTime(t, 'Asia/Tokyo', NOW), '17:05');
    assert.equal(formatTime(t - 24 * H, 'UTC', NOW), '19 Jun, 08:05');
    assert.equal(formatTime(t, 'No/Such_Zone', NOW), '08:05');
    assert.equal(formatTime('yesterday', 'UTC', NOW), '');
    assert.equal(formatTime(undefined, 'UTC', NOW), '');
  });

  it('formats dwell', function () {
    assert.deepEqual([0, 45.4, 60, 719, 3600, 5400, -3, 'x'].map(formatDwell), ['0 s', '45 s', '1 min', '12 min', '1.0 h', '1.5 h', '0 s', '0 s']);
  });

  it('rounds a gauge maximum up', function () {
    assert.deepEqual([0, 3, 10, 11, 21, 26, 51, 101, 230, 251, 999, 1001].map(niceMax), [10, 10, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000]);
  });
});

describe('widgets: messages per dashboard', function () {
  const series = [{ name: 'people', values: Array.from({ length: 24 }, (_, h) => h) }];

  it('a bar chart for node-red-dashboard: the whole chart, with axis titles and integer ticks', function () {
    const m = hourlyChart(1, series, { x: 'local hour', y: 'people' }) as any;
    assert.deepEqual(m.payload[0].series, ['people']);
    assert.equal(m.payload[0].labels.length, 24);
    assert.equal(m.payload[0].labels[13], '13');
    assert.equal(m.payload[0].data[0][23], 23);
    const { xAxes, yAxes } = m.ui_control.options.scales;
    assert.deepEqual(xAxes[0].scaleLabel, { display: true, labelString: 'local hour' });
    assert.deepEqual(yAxes[0].scaleLabel, { display: true, labelString: 'people' });
    assert.equal(yAxes[0].ticks.beginAtZero, true);
    assert.equal(yAxes[0].ticks.precision, 0);
    assert.deepEqual(hourlyChart(1, [], { x: 'a', y: 'b' }), { payload: [] });
  });

  it('a bar chart for Dashboard 2.0: {hour, value, series} points replacing the chart, values on the bars', function () {
    const m = hourlyChart(2, [series[0], { name: 'out', values: new Array(24).fill(1) }], { x: 'local hour', y: 'people' }) as any;
    assert.equal(m.action, 'replace');
    assert.equal(m.payload.length, 48);
    assert.deepEqual(m.payload[5], { hour: '5', value: 5, series: 'people' });
    assert.deepEqual(m.payload[0], { hour: '0', value: null, series: 'people' }, 'an empty hour is a gap, not a 0 label');
    assert.deepEqual(m.payload[24], { hour: '0', value: 1, series: 'out' });
    assert.deepEqual(m.ui_update.chartOptions.yAxis, { minInterval: 1 });
    assert.deepEqual(m.ui_update.chartOptions.series.map((s: any) => [s.name, s.type, s.label.show]), [['people', 'bar', true], ['out', 'bar', true]]);
  });

  it('dropdowns: {label: value} options for node-red-dashboard, {label, value} in ui_update for Dashboard 2.0', function () {
    const opts = [{ label: HOSTILE, value: 'A/1' }, { label: '__proto__', value: 'B/0' }];
    const d1 = dropdown(1, opts, 'A/1') as any;
    assert.deepEqual(d1.options, [{ [HOSTILE]: 'A/1' }, JSON.parse('{"__proto__": "B/0"}')]);
    assert.equal(Object.keys(d1.options[1])[0], '__proto__', 'an own key, not the prototype');
    assert.equal(d1.payload, 'A/1');
    assert.equal((dropdown(1, [], null) as any).payload, '');
    const d2 = dropdown(2, opts, 'B/0') as any;
    assert.deepEqual(d2.ui_update.options, opts);
    assert.equal(d2.payload, 'B/0');
    assert.equal(d2.visible, true);
    assert.equal((dropdown(2, [], null) as any).visible, false, 'hidden while there is nothing to pick');
  });

  it('gauges and tables', function () {
    assert.deepEqual(gauge(1, 7, 10), { payload: 7, ui_control: { min: 0, max: 10 } });
    assert.deepEqual(gauge(2, 7, 10), { payload: 7, ui_update: { min: 0, max: 10 } });
    const rows = Array.from({ length: 12 }, (_, i) => ({ zone: `z${i}`, camera: 'c', activities: i, people: i, last: '' }));
    const t1 = table(1, 'zones', rows, 'none yet', '+{n} more') as any;
    assert.deepEqual(t1.payload.columns, TABLE_COLUMNS.zones);
    assert.equal(t1.payload.rows.length, TABLE_ROWS.zones);
    assert.equal(t1.payload.more, `+${12 - TABLE_ROWS.zones} more`);
    assert.equal(t1.payload.empty, 'none yet');
    const t2 = table(2, 'zones', rows, 'none yet') as any;
    assert.equal(t2.action, 'replace');
    assert.equal(t2.payload.length, TABLE_ROWS.zones);
  });
});

describe('widgets: reading inputs', function () {
  it('reads the summary defensively', function () {
    const r = readSummary(summary(), NOW);
    assert.ok(r.ok);
    const s = r.value;
    assert.equal(s.timezone, 'Europe/London');
    assert.deepEqual(s.zones.map((z) => [z.key, z.label, z.camera]), [
      [`${CAFE}/0`, 'Café counter', CAFE],
      [`${LOBBY}/0`, 'Full frame', 'Lobby entrance'],
      [`${LOBBY}/1`, HOSTILE, 'Lobby entrance'],
    ]);
    assert.equal(s.hourly.get(`${LOBBY}/0`)![11], 3, '10:00 UTC is 11:00 in London (summer time)');
    const oddR = readSummary({ zones: [null, { serial: 7, zone: { x: 1 }, people: 'many' }], hourly: { '7/': 'no' }, correlations: 'x', devices: [{}] }, NOW);
    assert.ok(oddR.ok);
    const odd = oddR.value;
    assert.deepEqual(odd.zones.map((z) => [z.key, z.people]), [['7/', 0]]);
    assert.deepEqual(odd.hourly.get('7/'), new Array(24).fill(0));
    assert.equal(odd.timezone, 'UTC');
    assert.deepEqual(readSummary({ zones: 'x' }, NOW), { ok: false, reason: 'not an analytics summary (zones, hourly)' });
    // a key of Object.prototype is not an hourly series
    const proto = readSummary({ zones: [{ serial: 'constructor', zone: '' }], hourly: {} }, NOW);
    assert.ok(proto.ok);
    assert.deepEqual(proto.value.hourly.get('constructor/'), new Array(24).fill(0));
  });

  it('reads the entrances summary of SPEC section 4', function () {
    const r = readEntrances(entrances(), NOW);
    assert.ok(r.ok);
    const e = r.value;
    assert.deepEqual(e.lines.map((l) => l.label), ['Front door', '200']);
    assert.equal(e.hourly.get(`${LOBBY}/100`)!.in[9], 12);
    assert.deepEqual(e.areas.map((a) => [a.name, a.occupancy, a.peakOccupancy]), [['Shop', 17, 23], [HOSTILE, 1, 2]]);
    assert.equal(readEntrances({ lines: [] }, NOW).ok, false);
  });

  it('tells the inputs apart', function () {
    const kind = (m: Record<string, unknown>) => {
      const i = classifyWidgetInput(m, NOW);
      return i.ok ? i.value.kind : 'error';
    };
    assert.equal(kind({ topic: 'summary', payload: summary() }), 'summary');
    assert.equal(kind({ payload: summary() }), 'summary');
    assert.equal(kind({ topic: 'entrances', payload: entrances() }), 'entrances');
    assert.equal(kind({ topic: `${LOBBY}/0`, payload: snapshot(LOBBY, '0', NOW) }), 'snapshot');
    assert.equal(kind({ payload: { serial: LOBBY, zone: '0', tsIn: NOW - 60_000, tsOut: NOW, peakPeople: 2 } }), 'activity');
    assert.equal(kind({ status: { fill: 'green', shape: 'dot', text: 'node-red:common.status.connected' } }), 'feed');
    assert.equal(kind({ topic: 'zone', payload: `${LOBBY}/1` }), 'pickZone');
    assert.equal(kind({ topic: 'zone', payload: { label: 'x', value: `${LOBBY}/1` } }), 'pickZone');
    assert.equal(kind({ topic: 'area', payload: 'Shop' }), 'pickArea');
    assert.equal(kind({ topic: 'refresh' }), 'refresh');
    assert.equal(kind({ topic: 'zone', payload: 5 }), 'error');
    assert.equal(kind({ payload: 42 }), 'error');
    assert.equal(kind({ payload: { serial: LOBBY } }), 'error');
  });
});

describe('widgets: the board', function () {
  it('before any data: hints, empty charts, tables and pickers; every output once, then nothing new', function () {
    const b = new WidgetBoard();
    const out = b.update({ kind: 'refresh' }, NOW);
    assert.deepEqual(Object.keys(out), [...WIDGET_OUTPUTS]);
    assert.match(out.status!.payload as string, /No data yet/);
    assert.match(out.status!.payload as string, /<code>npm run demo<\/code>/);
    assert.ok(EMPTY_HINT.includes('npm run demo'));
    assert.deepEqual(out.zoneHourly!.payload, []);
    assert.deepEqual(out.entrancesHourly!.payload, []);
    assert.deepEqual((out.zones!.payload as any).rows, []);
    assert.equal((out.zones!.payload as any).empty, 'No activity in the window yet.');
    assert.deepEqual(out.zoneOptions!.options, []);
    assert.equal(out.occupancy!.payload, 0);
    assert.deepEqual(b.update({ topic: 'zone', kind: 'pickZone', value: 'nothing/0' } as WidgetInput, NOW), {});
  });

  it('a summary fills the zones, the picker (first zone picked), its hourly chart, visitors and correlations', function () {
    const b = new WidgetBoard({ dashboard: 1 });
    const out = b.update(input({ topic: 'summary', payload: summary() }), NOW);
    assert.match(out.status!.payload as string, /Last 24 h, times in Europe\/London, updated 13:00:00/);
    assert.doesNotMatch(out.status!.payload as string, /No data yet/);
    assert.deepEqual(out.zoneOptions!.options, [
      { 'Café counter · Q2FV-3PQR-8STU': `${CAFE}/0` },
      { 'Full frame · Lobby entrance': `${LOBBY}/0` },
      { [`${HOSTILE} · Lobby entrance`]: `${LOBBY}/1` },
    ]);
    assert.equal(out.zoneOptions!.payload, `${CAFE}/0`);
    assert.equal(b.pickedZone, `${CAFE}/0`);
    const chart = (out.zoneHourly!.payload as any)[0];
    assert.equal(chart.data[0][10], 5, 'café: 5 people at 10:00 London time');
    const zones = (out.zones!.payload as any).rows;
    assert.deepEqual(zones.map((r: any) => [r.zone, r.camera, r.activities, r.people, r.last]), [
      ['Café counter', CAFE, 1, 5, '10:00'],
      ['Full frame', 'Lobby entrance', 1, 3, '11:00'],
      [HOSTILE, 'Lobby entrance', 1, 2, '12:00'],
    ]);
    const visitors = (out.visitors!.payload as any).rows;
    assert.deepEqual(visitors.slice(0, 2).map((r: any) => r.value), [2, 2]);
    assert.equal(visitors.find((r: any) => r.figure === 'Busiest hour (cameras)').value, '10:00');
    assert.deepEqual((out.visitsHourly!.payload as any)[0].series, ['visits']);
    assert.deepEqual((out.devices!.payload as any).rows.map((r: any) => [r.device, r.tag, r.visits]), [
      ['aa:bb:cc:00:00:02', '', 1],
      ['aa:bb:cc:00:00:01', '', 1],
    ]);
    assert.deepEqual((out.correlations!.payload as any).rows.map((r: any) => [r.time, r.zone, r.device, r.rssi]), [
      ['11:00', 'Full frame', 'aa:bb:cc:00:00:01', 60],
      ['11:00', 'Full frame', 'aa:bb:cc:00:00:02', 50],
    ]);
    // activities are listed without an API key (no snapshot, no footage link)
    const acts = (out.activities!.payload as any).rows;
    assert.deepEqual(acts.map((r: any) => [r.time, r.zone, r.peak, r.footage, r.footageUrl]), [
      ['12:00:00', HOSTILE, 2, '–', ''],
      ['11:00:00', 'Full frame', 3, '–', ''],
      ['10:00:00', 'Café counter', 5, '–', ''],
    ]);
    // the same summary again changes only nothing
    assert.deepEqual(Object.keys(b.update(input({ topic: 'summary', payload: summary() }), NOW)), []);
  });

  it('picking a zone changes its chart and snapshots, and the picker follows', function () {
    const b = new WidgetBoard({ dashboard: 2 });
    b.update(input({ payload: summary() }), NOW);
    b.update(input({ payload: snapshot(LOBBY, '1', NOW - H + 30_000) }), NOW);
    b.update(input({ payload: snapshot(CAFE, '0', NOW - 3 * H + 30_000, { image: undefined }) }), NOW);
    const out = b.update(input({ topic: 'zone', payload: `${LOBBY}/1` }), NOW);
    assert.deepEqual(Object.keys(out).sort(), ['zoneHourly', 'zoneOptions', 'zoneSnapshots']);
    assert.equal(out.zoneOptions!.payload, `${LOBBY}/1`);
    const points = out.zoneHourly!.payload as any[];
    assert.deepEqual(points.filter((p) => p.value > 0), [{ hour: '12', value: 2, series: 'people' }]);
    const snaps = out.zoneSnapshots!.payload as any;
    assert.equal(snaps.zone, `${HOSTILE} · Lobby entrance`);
    assert.equal(snaps.items.length, 1);
    assert.equal(snaps.items[0].src, PNG);
    assert.match(snaps.items[0].href, /^https:\/\/spn4\.meraki\.com\//);
    assert.match(snaps.items[0].footage, /^https:\/\/n123\.meraki\.com\//);
    assert.equal(snaps.items[0].time, '12:00:30');
    const back = b.update(input({ topic: 'zone', payload: { value: `${CAFE}/0` } }), NOW);
    assert.equal((back.zoneSnapshots!.payload as any).items[0].src, snapshot(CAFE, '0', 0).url.replace(/-0$/, `-${NOW - 3 * H + 30_000}`), 'no image: the URL');
    // a zone that is not in the list falls back to the first one
    b.update(input({ topic: 'zone', payload: 'gone/0' }), NOW);
    assert.equal(b.pickedZone, `${CAFE}/0`);
  });

  it('recent activities: straight from the detector, merged with the summary, footage links from snapshots (http(s) only)', function () {
    const b = new WidgetBoard();
    b.update(input({ payload: summary() }), NOW);
    const fresh = { serial: CAFE, zone: '0', tsIn: NOW - 120_000, tsOut: NOW - 60_000, peakPeople: 4 };
    b.update(input({ payload: fresh }), NOW);
    b.update(input({ payload: snapshot(CAFE, '0', NOW - 90_000) }), NOW);
    const out = b.update(input({ payload: snapshot(LOBBY, '0', NOW - 2 * H + 30_000, { videoLink: 'javascript:alert(1)', url: 'javascript:alert(2)' }) }), NOW);
    const rows = (b.messages(NOW).activities.payload as any).rows;
    assert.deepEqual(rows.map((r: any) => [r.time, r.zone, r.footage]), [
      ['12:58:00', 'Café counter', 'open'],
      ['12:00:00', HOSTILE, '–'],
      ['11:00:00', 'Full frame', '–'],
      ['10:00:00', 'Café counter', '–'],
    ]);
    assert.match(rows[0].footageUrl, /^https:\/\//);
    assert.equal(rows[2].footageUrl, '');
    // the hostile snapshot: no link to it, its image (a data URI) still shows
    const snaps = (b.update(input({ topic: 'zone', payload: `${LOBBY}/0` }), NOW).zoneSnapshots!.payload as any).items;
    assert.deepEqual(snaps.map((s: any) => [s.src, s.href, s.footage]), [[PNG, null, null]]);
    assert.ok(!JSON.stringify(out).includes('javascript:'));
    assert.ok(!JSON.stringify(b.messages(NOW)).includes('javascript:'));
  });

  it('entrances: area picker, occupancy gauge of the picked area, in/out per hour over every line, areas table', function () {
    const b = new WidgetBoard({ dashboard: 1 });
    const out = b.update(input({ topic: 'entrances', payload: entrances() }), NOW);
    assert.deepEqual(out.areaOptions!.options, [{ Shop: 'Shop' }, { [HOSTILE]: HOSTILE }]);
    assert.equal(out.areaOptions!.payload, 'Shop');
    assert.deepEqual(out.occupancy, { topic: 'occupancy', payload: 17, ui_control: { min: 0, max: 25 } });
    const chart = (out.entrancesHourly!.payload as any)[0];
    assert.deepEqual(chart.series, ['in', 'out']);
    assert.equal(chart.data[0][9], 16);
    assert.equal(chart.data[1][9], 3);
    assert.equal(chart.data[1][17], 9);
    assert.deepEqual((out.areas!.payload as any).rows, [
      { area: 'Shop', occupancy: 17, peak: 23, enters: 16, exits: 12 },
      { area: HOSTILE, occupancy: 1, peak: 2, enters: 4, exits: 3 },
    ]);
    assert.match(out.status!.payload as string, /Last 24 h, times in Europe\/London/);
    // lines of an area map nobody crossed yet: still the empty start
    const quiet = entrances() as any;
    for (const l of quiet.lines) l.in = l.out = 0;
    assert.match(new WidgetBoard().update(input({ payload: quiet }), NOW).status!.payload as string, /No data yet/);
    const picked = b.update(input({ topic: 'area', payload: HOSTILE }), NOW);
    assert.deepEqual(picked.occupancy!.payload, 1);
    assert.deepEqual(picked.occupancy!.ui_control, { min: 0, max: 10 });
  });

  it('takes the entrances summary as line-counter makes it (reversed lines, the area map)', function () {
    const lc = new LineCounter({ timeZone: 'Europe/London', areas: parseAreas(`Shop: ${LOBBY}/100, ${CAFE}/200 reversed`) }, NOW);
    const crossing = (serial: string, boundaryId: string, event: string, ts: number, objectId: number) => ({ serial, boundaryId, label: 'Door', event, objectType: 'person', objectId, ts });
    for (let i = 0; i < 6; i++) lc.add(crossing(LOBBY, '100', 'in', NOW - H + i * 1000, i), NOW);
    lc.add(crossing(LOBBY, '100', 'out', NOW - 30 * 60_000, 99), NOW);
    lc.add(crossing(CAFE, '200', 'in', NOW - 10 * 60_000, 7), NOW); // reversed: leaves the shop
    const b = new WidgetBoard({ dashboard: 2 });
    const out = b.update(input({ payload: JSON.parse(JSON.stringify(lc.summary(NOW))) }), NOW);
    assert.equal(out.occupancy!.payload, 4);
    assert.deepEqual(out.areas!.payload, [{ area: 'Shop', occupancy: 4, peak: 6, enters: 6, exits: 2 }]);
    const points = out.entrancesHourly!.payload as any[];
    assert.deepEqual(points.filter((p) => p.value).map((p) => [p.series, p.hour, p.value]), [['in', '12', 7], ['out', '12', 1]]);
    assert.equal(out.areaOptions!.payload, 'Shop');
  });

  it('the status line: the camera feed and its time, everything escaped', function () {
    const b = new WidgetBoard();
    b.update(input({ payload: summary() }), NOW);
    const out = b.update(input({ status: { fill: 'red', shape: 'ring', text: 'node-red:common.status.disconnected' } }), NOW + 5000);
    assert.match(out.status!.payload as string, /Camera feed \(MQTT\): <b class="mx-feed-state"><font color="#c62828">disconnected<\/font><\/b> since 13:00:05/);
    const evil = b.update(input({ status: { fill: 'yellow', text: HOSTILE } }), NOW);
    assert.ok(!(evil.status!.payload as string).includes('<img'));
    assert.ok((evil.status!.payload as string).includes('&lt;img src=x onerror=alert(1)&gt;'));
  });

  it('stays bounded: tables, snapshots shown, activities kept', function () {
    const b = new WidgetBoard();
    for (let i = 0; i < 500; i++) b.update(input({ payload: { serial: CAFE, zone: String(i % 7), tsIn: NOW - i * 60_000, tsOut: NOW - i * 60_000 + 30_000, peakPeople: 1 } }), NOW);
    for (let i = 0; i < 20; i++) b.update(input({ payload: snapshot(CAFE, '0', NOW - i * 60_000) }), NOW);
    const all = b.messages(NOW);
    assert.equal((all.activities.payload as any).rows.length, TABLE_ROWS.activities);
    assert.equal((all.activities.payload as any).rows[0].time, '12:00:00', 'no summary yet: UTC');
    assert.ok(JSON.stringify(all).length < 200_000);
  });
});
