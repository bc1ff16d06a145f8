/**
 * Both dashboards in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core),
 * each against the living demo: `npm start`'s app (DASHBOARD=1: node-red-dashboard at /ui,
 * DASHBOARD=2: FlowFuse Dashboard 2.0 at /dashboard) with the fake Dashboard API and the simulator.
 * The fake API is reached through a proxy that turns one camera's footage links into `javascript:`
 * URLs, and the demo has a zone named `<img src=x onerror=alert(1)>`: both must stay inert.
 * Screenshots go to test-artifacts/ (git-ignored); with SCREENSHOTS=docs also to docs/ (the README's).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';
import { DEFAULT_CAMERAS, HOSTILE_TEXT } from '../../demo/cameras';
import { lineAreas } from '../../demo/crossings';
import { FakeMerakiApi, startFakeMerakiApi } from '../../demo/fake-meraki-api';
import { cameraApMap, Simulator, startSimulator } from '../../demo/simulator';
import { App, ROOT, startApp } from '../support/app';
import { startServer, TestServer } from '../support/http-server';
import { socketConnect } from '../support/socketio';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const KEY = 'test0123456789abcdef0123456789abcdef0123';
const SECRET = 'dashboard-test-secret';
/** the camera whose footage links the proxy turns into javascript: URLs */
const EVIL_CAMERA = DEFAULT_CAMERAS[2].serial;
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** The fake Dashboard API behind a proxy that answers EVIL_CAMERA's videoLink with javascript: URLs. */
async function hostileProxy(api: FakeMerakiApi): Promise<TestServer> {
  return startServer((req, res, hit) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    fetch(api.origin + hit.url, { method: hit.method, headers, body: hit.body || undefined })
      .then(async (up) => {
        let body = Buffer.from(await up.arrayBuffer());
        if (hit.url.includes(`/devices/${EVIL_CAMERA}/camera/videoLink`) && up.ok) {
          body = Buffer.from(JSON.stringify({ url: 'javascript:alert(3)', visionUrl: 'JavaScript:alert(4)' }));
        }
        const out: Record<string, string> = {};
        for (const k of ['content-type', 'retry-after']) if (up.headers.get(k)) out[k] = up.headers.get(k)!;
        res.writeHead(up.status, out);
        res.end(body);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
}

/** The hourly chart's bar colour (#8BC34A). */
const GREEN = [0x8b, 0xc3, 0x4a];

/** ECharts draws on a canvas: pixels in the bar colour, and dark ink (axis labels) in the left and bottom margins. */
function inkOnCanvas(c: Element, colour: number[]): { bars: number; leftInk: number; bottomInk: number } {
  const canvas = c as HTMLCanvasElement;
  const { width, height } = canvas;
  const px = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
  let bars = 0;
  let leftInk = 0;
  let bottomInk = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const [r, g, b, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
      if (a > 200 && Math.abs(r - colour[0]) < 12 && Math.abs(g - colour[1]) < 12 && Math.abs(b - colour[2]) < 12) bars++;
      const ink = a > 100 && r < 160 && g < 160 && b < 160;
      if (ink && x < width * 0.12) leftInk++;
      if (ink && y > height * 0.85) bottomInk++;
    }
  }
  return { bars, leftInk, bottomInk };
}

/** Resolves once the cards stop moving (the dashboards lay out again after a resize): the same boxes over five frames. */
async function layoutSettled(p: Page): Promise<void> {
  // (a string: tsx would wrap a named inner function in a helper the page does not have)
  await p.evaluate(`new Promise((resolve) => {
    let last = '';
    let same = 0;
    const end = Date.now() + 5000;
    const boxes = () => JSON.stringify(Array.from(document.querySelectorAll('md-card, ui-card-panel, .nrdb-ui-group, canvas')).map((e) => e.getBoundingClientRect()));
    const tick = () => {
      const now = boxes();
      same = now === last ? same + 1 : 0;
      last = now;
      if (same >= 5 || Date.now() > end) resolve();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })`);
}

type Dash = 1 | 2;

const DASHBOARDS: { d: Dash; path: string; widget: (id: string) => string; option: string; optionText: string }[] = [
  {
    d: 1,
    path: '/ui/',
    widget: (id) => `md-card[node-id="${id}"]`,
    option: '.md-select-menu-container.md-active md-option',
    optionText: 'md-option',
  },
  {
    d: 2,
    path: '/dashboard',
    widget: (id) => `#nrdb-ui-widget-${id}`,
    option: '.v-overlay-container .v-list-item',
    optionText: '.v-list-item',
  },
];

for (const { d, path: uiPath, widget: W, option } of DASHBOARDS) {
  describe(`dashboard ${d} (${d === 1 ? 'node-red-dashboard at /ui' : 'FlowFuse Dashboard 2.0 at /dashboard'}) in a headless browser, living demo`, function () {
    this.timeout(240000);
    let api: FakeMerakiApi;
    let proxy: TestServer;
    let app: App;
    let sim: Simulator;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const problems: string[] = [];
    const shots: string[] = [];

    async function shoot(p: Page, name: string): Promise<void> {
      // The page scrolls inside the dashboard's own container: make the viewport as tall as the content.
      const size = p.viewportSize()!;
      const height = await p.evaluate(() => Math.max(...Array.from(document.querySelectorAll('md-content, main, .v-main, html')).map((e) => e.scrollHeight)));
      await p.setViewportSize({ width: size.width, height: Math.max(size.height, height + 40) });
      await layoutSettled(p);
      const file = `dashboard${d}-${name}.png`;
      await p.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
      if (process.env.SCREENSHOTS === 'docs') {
        fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
        fs.copyFileSync(path.join(ARTIFACTS, file), path.join(ROOT, 'docs', file));
      }
      shots.push(file);
      await p.setViewportSize(size);
    }

    /** Watches a page for dialogs and errors; alert() only records. */
    async function watch(p: Page): Promise<void> {
      p.on('dialog', (dlg) => {
        problems.push(`a dialog opened: ${dlg.message()}`);
        void dlg.dismiss();
      });
      p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await p.addInitScript(() => {
        (window as unknown as { __alerts: unknown[] }).__alerts = [];
        window.alert = (m?: unknown) => void (window as unknown as { __alerts: unknown[] }).__alerts.push(m);
      });
    }

    before(async function () {
      if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium (.ci/run does)`);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      api = await startFakeMerakiApi({ apiKey: KEY, snapshotDelayMs: 800 });
      proxy = await hostileProxy(api);
      app = await startApp({
        DASHBOARD: String(d),
        MERAKI_API_BASE: `${proxy.origin}/api/v1`,
        MERAKI_API_KEY: KEY,
        CMX_SECRET: SECRET,
        CMX_VALIDATOR: 'dashboard-test-validator',
        CAMERA_APS: cameraApMap(DEFAULT_CAMERAS),
        LINE_AREAS: lineAreas(DEFAULT_CAMERAS),
      });
      sim = startSimulator({ mqttUrl: `mqtt://127.0.0.1:${app.mqttPort}`, cmxUrl: `${app.base}/cmx`, secret: SECRET, backfillHours: 2, cmxIntervalS: 5, seed: 42 });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      context = await browser.newContext({ viewport: LAPTOP });
      page = await context.newPage();
      await watch(page);
    });

    after(async function () {
      await browser?.close().catch(() => undefined);
      await sim?.stop();
      if (app) {
        await app.stop();
        app.cleanup();
      }
      await proxy?.close();
      await api?.close();
      if (shots.length) console.log(`      screenshots: ${shots.map((s) => `test-artifacts/${s}`).join(', ')}`);
    });

    it('shows the Meraki Analytics tab: the status line, zones in the picker and the table', async function () {
      await page.goto(app.base + uiPath);
      // The widgets draw once the websocket has delivered the first summary with zones.
      await page.waitForFunction(
        ({ table }) => {
          const rows = Array.from(document.querySelectorAll(`${table} tbody tr`));
          return rows.length >= 3 && rows.some((r) => /\b[1-9]\d*\b/.test(r.textContent ?? ''));
        },
        { table: W('ui-zones') },
        { timeout: 120000 },
      );
      const status = await page.textContent(W('ui-status'));
      assert.match(status ?? '', /Camera feed \(MQTT\): connected since \d\d:\d\d:\d\d/);
      assert.match(status ?? '', /Last 24 h, times in /);
      assert.equal(await page.title(), d === 1 ? 'Meraki Analytics' : 'Meraki Analytics');
      // zone labels and camera names come from the Dashboard API a moment after the first activities
      await page.waitForFunction(
        ({ sel, labels }) => labels.every((l) => (document.querySelector(sel)?.textContent ?? '').includes(l)),
        { sel: W('ui-zones'), labels: ['Checkout queue', 'Reception desk', HOSTILE_TEXT, 'Café counter'] },
        { timeout: 60000 },
      );
    });

    it('draws the hourly charts as charts with axes, and picking a zone changes its chart and snapshots', async function () {
      const chart = `${W('ui-zone-hourly')} canvas`;
      await page.waitForSelector(chart);
      const before = await page.$eval(chart, (c) => (c as HTMLCanvasElement).toDataURL());
      if (d === 1) {
        // Chart.js (node-red-dashboard): axis titles and ticks from our ui_control options
        const axes = await page.evaluate(() => {
          const charts = Object.values((window as any).Chart.instances) as any[];
          return charts.map((c) => ({
            id: (c.canvas ?? c.chart.canvas).closest('md-card')?.getAttribute('node-id'),
            x: c.scales['x-axis-0'].options.scaleLabel.labelString,
            y: c.scales['y-axis-0'].options.scaleLabel.labelString,
            labels: c.data.labels.length,
            yTicks: c.scales['y-axis-0'].ticks.length,
          }));
        });
        const zone = axes.find((a) => a.id === 'ui-zone-hourly');
        assert.deepEqual(zone && [zone.x, zone.y, zone.labels], ['local hour', 'people', 24], JSON.stringify(axes));
        assert.ok(zone!.yTicks >= 2, 'y axis ticks');
        assert.ok(axes.some((a) => a.id === 'ui-visits-hourly' && a.y === 'visits'), JSON.stringify(axes));
      } else {
        // ECharts (Dashboard 2.0) draws on the canvas: bars in the chart's colour, and axis text in the margins
        const drawn = await page.$eval(chart, inkOnCanvas, GREEN);
        assert.ok(drawn.bars > 50, `bars drawn: ${JSON.stringify(drawn)}`);
        assert.ok(drawn.leftInk > 20 && drawn.bottomInk > 20, `axis labels drawn: ${JSON.stringify(drawn)}`);
      }
      // Pick the last zone that is not the one shown.
      const picker = W('ui-zone-picker');
      // The zones arrive with the summary (every 10 s) as the demo's cameras report: on a loaded machine
      // the last one may come after the page has drawn, so reopen the list until all six are there.
      let options: string[] = [];
      for (let tries = 0; tries < 15; tries++) {
        await page.click(d === 1 ? `${picker} md-select` : `${picker} .v-field`);
        await page.waitForSelector(option);
        options = await page.$$eval(option, (o) => o.map((x) => (x.textContent ?? '').trim()));
        if (options.length >= 6) break;
        await page.keyboard.press('Escape');
        await page.waitForSelector(option, { state: 'detached' });
        await page.waitForTimeout(2000);
      }
      assert.ok(options.length >= 6, `zone options: ${options}`);
      assert.ok(options.some((o) => o.startsWith(HOSTILE_TEXT)), 'the hostile label is an option, as text');
      // Not the zone shown (the picker shows it), and one whose counts differ from it in the zones table,
      // so that its chart cannot be the same picture: the series is named "people" for every zone.
      const shown = (await page.textContent(picker)) ?? '';
      const rows = await page.$$eval(`${W('ui-zones')} tbody tr`, (r) => r.map((x) => Array.from(x.querySelectorAll('td')).map((td) => (td.textContent ?? '').trim())));
      const counts = (label: string): string => (rows.find((r) => r.includes(label)) ?? []).filter((c) => /^\d+$/.test(c)).join('/');
      const shownLabel = options.find((o) => shown.includes(o))?.split(' · ')[0] ?? '';
      const others = options.filter((o) => !o.startsWith(HOSTILE_TEXT) && !o.includes('Store floor') && !shown.includes(o));
      const pick = others.find((o) => counts(o.split(' · ')[0]) !== counts(shownLabel)) ?? others[0];
      assert.ok(pick, `a zone to pick other than the one shown: ${options} (shown: ${shown})`);
      await page.locator(option, { hasText: pick }).first().click();
      const zoneLabel = pick.split(' · ')[0];
      await page.waitForFunction(
        ({ sel, label }) => (document.querySelector(sel)?.textContent ?? '').includes(label),
        { sel: `${W('ui-snapshots')}`, label: zoneLabel },
        { timeout: 30000 },
      );
      await page.waitForFunction(({ sel, old }) => (document.querySelector(sel) as HTMLCanvasElement | null)?.toDataURL() !== old, { sel: chart, old: before }, { timeout: 30000 });
      // The picked zone's snapshots load (the fake API's images, inlined by mv-snapshot), with their times.
      await page.waitForFunction(
        (sel) => Array.from(document.querySelectorAll(`${sel} .mx-snapshot img`)).some((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
        W('ui-snapshots'),
        { timeout: 120000 },
      );
      const captions = await page.$$eval(`${W('ui-snapshots')} figcaption`, (c) => c.map((x) => x.textContent ?? ''));
      assert.ok(captions.length >= 1 && captions.every((t) => /\d\d:\d\d:\d\d/.test(t)), `snapshot times: ${captions}`);
    });

    it('lists recent activities with footage links, Wi-Fi visitors, devices and correlations', async function () {
      await page.waitForFunction((sel) => Array.from(document.querySelectorAll(`${sel} a`)).some((a) => /^https?:/.test(a.getAttribute('href') ?? '')), W('ui-activities'), { timeout: 120000 });
      const visitors = await page.textContent(W('ui-visitors'));
      assert.match(visitors ?? '', /Visitor devices\s*\d+/);
      assert.match(visitors ?? '', /Average dwell/);
      await page.waitForFunction((sel) => /([0-9a-f]{2}:){5}[0-9a-f]{2}/.test(document.querySelector(sel)?.textContent ?? ''), W('ui-correlations'), { timeout: 120000 });
      assert.match((await page.textContent(W('ui-devices'))) ?? '', /([0-9a-f]{2}:){5}[0-9a-f]{2}/);
      assert.ok(await page.$(`${W('ui-visits-hourly')} canvas`), 'visits per hour chart');
    });

    it('shows entrances and exits per hour, and the occupancy of the areas (line-counter)', async function () {
      const area = lineAreas(DEFAULT_CAMERAS).split(':')[0];
      await page.waitForFunction(({ sel, area }) => (document.querySelector(sel)?.textContent ?? '').includes(area), { sel: W('ui-areas'), area }, { timeout: 60000 });
      const row = await page.$$eval(`${W('ui-areas')} tbody tr`, (r) => r.map((x) => Array.from(x.querySelectorAll('td')).map((td) => (td.textContent ?? '').trim())));
      const mine = row.find((r) => r[0].startsWith(area))!;
      assert.ok(mine && mine.slice(1).every((v) => /^\d+$/.test(v)), `areas row: ${JSON.stringify(row)}`);
      assert.ok(Number(mine[3]) > 0, `people came in: ${mine}`);
      // the gauge shows the picked area's occupancy: the number of the table's "Now" column
      await page.waitForFunction(({ sel, now }) => (document.querySelector(sel)?.textContent ?? '').includes(now), { sel: W('ui-occupancy'), now: mine[1] }, { timeout: 30000 });
      assert.ok(await page.$(`${W('ui-occupancy')} svg`), 'the gauge is drawn (SVG)');
      assert.match((await page.textContent(W('ui-area-picker'))) ?? '', new RegExp(area));
      // entrances and exits per hour: a chart with both series and something in it
      const chart = `${W('ui-entrances-hourly')} canvas`;
      await page.waitForSelector(chart, { timeout: 30000 });
      if (d === 1) {
        const series = await page.evaluate(() =>
          (Object.values((window as any).Chart.instances) as any[])
            .filter((c) => (c.canvas ?? c.chart.canvas).closest('md-card')?.getAttribute('node-id') === 'ui-entrances-hourly')
            .map((c) => ({ labels: c.data.datasets.map((x: any) => x.label), sum: c.data.datasets.map((x: any) => x.data.reduce((a: number, v: number) => a + (v || 0), 0)), y: c.scales['y-axis-0'].options.scaleLabel.labelString })),
        );
        assert.deepEqual(series[0]?.labels, ['in', 'out'], JSON.stringify(series));
        assert.ok(series[0].sum[0] > 0, JSON.stringify(series));
        assert.equal(series[0].y, 'people crossing');
      } else {
        const drawn = await page.$eval(chart, inkOnCanvas, [0x2c, 0xa0, 0x2c]);
        assert.ok(drawn.bars > 20 && drawn.leftInk > 20, `entrances drawn: ${JSON.stringify(drawn)}`);
      }
    });

    it('keeps hostile names as text and javascript: links inert', async function () {
      const injected = await page.$$eval('img[src="x"]', (i) => i.length);
      assert.equal(injected, 0, 'an <img src=x> element was created from a label');
      const hrefs = await page.$$eval('a[href]', (a) => a.map((x) => x.getAttribute('href') ?? ''));
      const bad = hrefs.filter((h) => !/^(https?:\/\/|\.\.\/analytics\/|#|\/)/i.test(h.trim()));
      assert.deepEqual(bad, [], 'only http(s) and the CSV links');
      assert.ok(!hrefs.some((h) => /javascript:/i.test(h)));
      // the proxy did hand out javascript: footage links, and the evil camera's activities are listed without one
      assert.ok(proxy.hits.some((h) => h.url.includes(`/devices/${EVIL_CAMERA}/camera/videoLink`)), 'a javascript: footage link was served');
      const rows = await page.$$eval(`${W('ui-activities')} tbody tr`, (r) => r.map((x) => ({ text: x.textContent ?? '', links: x.querySelectorAll('a').length })));
      assert.ok(rows.length > 0);
      for (const r of rows.filter((x) => x.text.includes(DEFAULT_CAMERAS[2].name))) assert.equal(r.links, 0, r.text);
      const alerts = await page.evaluate(() => (window as unknown as { __alerts: unknown[] }).__alerts);
      assert.deepEqual(alerts, []);
      assert.deepEqual(problems.filter((p) => /dialog|alert/i.test(p)), []);
      assert.ok(((await page.textContent(W('ui-zones'))) ?? '').includes(HOSTILE_TEXT));
    });

    it('uses a laptop screen: groups side by side, no card cutting its content', async function () {
      const lefts = await page.$$eval(d === 1 ? 'ui-card-panel' : '.nrdb-ui-group', (g) => [...new Set(g.map((x) => Math.round(x.getBoundingClientRect().left)))]);
      assert.ok(lefts.length >= (d === 1 ? 3 : 2), `group columns at 1280 px: ${lefts}`);
      if (d === 1) {
        // fixed-size cards: every table and snapshot template's content fits its card
        const cut = await page.$$eval('md-card .mx-table, md-card .mx-snaps', (els) =>
          els.filter((e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1).map((e) => e.closest('md-card')?.getAttribute('node-id')),
        );
        assert.deepEqual(cut, [], 'cards that cut their content');
      }
      await shoot(page, 'laptop');
    });

    it('reads on a phone (390 × 844): no sideways scrolling, nothing cut', async function () {
      const phone = await context.newPage();
      await watch(phone);
      await phone.setViewportSize(PHONE);
      await phone.goto(app.base + uiPath);
      await phone.waitForFunction((sel) => document.querySelectorAll(`${sel} tbody tr`).length >= 3, W('ui-zones'), { timeout: 60000 });
      await phone.waitForSelector(`${W('ui-zone-hourly')} canvas`);
      const wide = await phone.evaluate(() => {
        const out: string[] = [];
        const doc = document.documentElement;
        if (doc.scrollWidth > doc.clientWidth) out.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
        for (const e of Array.from(document.querySelectorAll('body *'))) {
          const s = getComputedStyle(e);
          if ((s.overflowX === 'auto' || s.overflowX === 'scroll') && e.scrollWidth > e.clientWidth + 1) out.push(`${e.tagName}.${e.className} ${e.scrollWidth} > ${e.clientWidth}`);
          const r = e.getBoundingClientRect();
          if (r.width > 0 && r.right > doc.clientWidth + 1 && s.visibility !== 'hidden' && !e.closest('.md-select-menu-container, .v-overlay-container')) out.push(`${e.tagName}.${e.className} ends at ${r.right}`);
        }
        return out.slice(0, 10);
      });
      assert.deepEqual(wide, [], 'sideways scrolling at 390 px');
      if (d === 1) {
        const cut = await phone.$$eval('md-card .mx-table, md-card .mx-snaps', (els) =>
          els.filter((e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1).map((e) => e.closest('md-card')?.getAttribute('node-id')),
        );
        assert.deepEqual(cut, [], 'cards that cut their content');
      }
      await shoot(phone, 'phone');
      await phone.close();
    });

    it('lets a user move the hourly chart to another group in the editor and deploy', async function () {
      const editor = await context.newPage();
      await editor.goto(`${app.base}/admin/`);
      await editor.waitForFunction(() => (window as any).RED?.nodes?.node('ui-zone-hourly'), null, { timeout: 60000 });
      // Open the chart's edit dialog (as a double-click does), pick another group, Done, Deploy.
      await editor.evaluate(() => {
        const RED = (window as any).RED;
        RED.editor.edit(RED.nodes.node('ui-zone-hourly'));
      });
      await editor.waitForSelector('#node-input-group option[value="ui-group-activity"]', { state: 'attached' });
      await editor.selectOption('#node-input-group', 'ui-group-activity');
      await editor.click('#node-dialog-ok');
      await editor.click('#red-ui-header-button-deploy');
      await editor.waitForSelector('.red-ui-notification', { timeout: 30000 });
      const flows = await (await fetch(`${app.base}/admin/flows`)).json();
      assert.equal(flows.find((n: any) => n.id === 'ui-zone-hourly').group, 'ui-group-activity');
      await editor.close();
      // On the dashboard the chart now sits in "Snapshots and activities", drawn again with its data.
      const moved = d === 1 ? 'ui-card-panel[node-id="ui-group-activity"] md-card[node-id="ui-zone-hourly"] canvas' : '#nrdb-ui-group-ui-group-activity #nrdb-ui-widget-ui-zone-hourly canvas';
      await page.reload();
      await page.waitForSelector(moved, { timeout: 60000 });
      if (d === 2) {
        // ECharts draws on a canvas: poll its pixels until the bars are back
        const end = Date.now() + 30000;
        while ((await page.$eval(moved, inkOnCanvas, GREEN)).bars <= 50) {
          if (Date.now() > end) throw new Error('the moved chart did not draw its bars');
          await page.waitForTimeout(250);
        }
      } else {
        await page.waitForFunction(
          () => (Object.values((window as any).Chart.instances) as any[]).some((c) => (c.canvas ?? c.chart.canvas).closest('md-card')?.getAttribute('node-id') === 'ui-zone-hourly' && c.data.datasets[0]?.data.some((v: number) => v > 0)),
          null,
          { timeout: 30000 },
        );
      }
    });

    it('links the CSV downloads, which answer', async function () {
      const hrefs = await page.$$eval(`${W('ui-downloads')} a`, (a) => a.map((x) => (x as HTMLAnchorElement).href));
      assert.ok(hrefs.filter((h) => h.endsWith('.csv')).length >= 3, `${hrefs}`);
      for (const href of hrefs) {
        const res = await fetch(href);
        assert.equal(res.status, 200, href);
      }
    });
  });
}

for (const { d, path: uiPath, widget: W } of DASHBOARDS) {
  describe(`dashboard ${d} on an empty first start`, function () {
    this.timeout(60000);
    let app: App;
    let browser: Browser;

    before(async function () {
      app = await startApp({ DASHBOARD: String(d), CMX_SECRET: SECRET });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    });

    after(async function () {
      await browser?.close().catch(() => undefined);
      await app?.stop();
      app?.cleanup();
    });

    it('says what to do: send data, or run npm run demo', async function () {
      const page = await browser.newPage({ viewport: PHONE });
      await page.goto(app.base + uiPath);
      await page.waitForFunction((sel) => /No data yet/.test(document.querySelector(sel)?.textContent ?? ''), W('ui-status'), { timeout: 30000 });
      assert.match((await page.textContent(W('ui-status'))) ?? '', /send MV Sense counts over MQTT and Scanning API posts to \/cmx, or run npm run demo/);
      assert.ok(await page.$(`${W('ui-status')} code`), 'npm run demo as code');
      assert.match((await page.textContent(W('ui-zones'))) ?? '', /No activity in the window yet|No data available/);
    });
  });
}

describe('Dashboard 2.0 behind DASHBOARD_USER and DASHBOARD_PASSWORD', function () {
  this.timeout(60000);
  const USER = 'viewer';
  const PASSWORD = 'dashboard-2-password-9z8y';
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  let app: App;

  before(async function () {
    app = await startApp({ DASHBOARD: '2', DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD, CMX_SECRET: SECRET });
  });

  after(async function () {
    await app?.stop();
    app?.cleanup();
  });

  const socket = (headers: Record<string, string>) => socketConnect(`${app.base}/dashboard/socket.io`, headers);

  it('protects the page and its websocket as it does node-red-dashboard', async function () {
    assert.equal((await fetch(`${app.base}/dashboard`)).status, 401);
    assert.equal((await fetch(`${app.base}/dashboard`, { headers: { Authorization: basic(USER, 'nope') } })).status, 401);
    const auth = { Authorization: basic(USER, PASSWORD) };
    assert.equal((await fetch(`${app.base}/dashboard`, { headers: auth })).status, 200);
    // refused at the handshake itself (issue 10: before engine.io opens a session), as /ui/socket.io
    assert.equal(await socket({}), 'handshake 401');
    assert.equal(await socket({ Authorization: basic(USER, 'nope') }), 'handshake 401');
    assert.match(await socket(auth), /^40\{"sid"/);
  });
});
