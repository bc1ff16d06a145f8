/**
 * The dashboard tab in a real headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core), against the living demo: `npm start`'s app with the fake Dashboard API and
 * the simulator. Screenshots go to test-artifacts/ (git-ignored).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { chromium, Browser, Page } from 'playwright-core';
import { DEFAULT_CAMERAS } from '../../demo/cameras';
import { FakeMerakiApi, startFakeMerakiApi } from '../../demo/fake-meraki-api';
import { cameraApMap, Simulator, startSimulator } from '../../demo/simulator';
import { App, ROOT, startApp } from '../support/app';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const HOSTILE = '<img src=x onerror=alert(1)>';
const KEY = 'test0123456789abcdef0123456789abcdef0123';
const SECRET = 'dashboard-test-secret';

describe('the dashboard tab in a headless browser (living demo)', function () {
  this.timeout(240000);
  let api: FakeMerakiApi;
  let app: App;
  let sim: Simulator;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium (.ci/run does)`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    api = await startFakeMerakiApi({ apiKey: KEY, snapshotDelayMs: 800 });
    app = await startApp({
      MERAKI_API_BASE: api.baseUrl,
      MERAKI_API_KEY: KEY,
      CMX_SECRET: SECRET,
      CMX_VALIDATOR: 'dashboard-test-validator',
      CAMERA_APS: cameraApMap(DEFAULT_CAMERAS),
    });
    sim = startSimulator({
      mqttUrl: `mqtt://127.0.0.1:${app.mqttPort}`,
      cmxUrl: `${app.base}/cmx`,
      secret: SECRET,
      backfillHours: 2,
      cmxIntervalS: 5,
      seed: 42,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    page.on('dialog', (d) => {
      problems.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // A script injected through a label would call alert(); make sure we would notice it.
    await page.addInitScript(() => {
      (window as unknown as { __alerts: unknown[] }).__alerts = [];
      window.alert = (m?: unknown) => void (window as unknown as { __alerts: unknown[] }).__alerts.push(m);
    });
  });

  after(async function () {
    await browser?.close().catch(() => undefined);
    await sim?.stop();
    if (app) {
      await app.stop();
      app.cleanup();
    }
    await api?.close();
  });

  it('opens /ui and shows the Meraki Analytics tab with zones that have data', async function () {
    await page.goto(`${app.base}/ui/`);
    // The tab draws once its websocket has delivered the first summary with zones.
    await page.waitForFunction(() => document.querySelectorAll('#mx-zones tbody tr .mx-zone-bar').length >= 3, null, { timeout: 120000 });
    const titles = await page.$$eval('md-toolbar h1', (h) => h.filter((x) => (x as HTMLElement).offsetParent !== null).map((x) => x.textContent?.trim()));
    assert.ok(titles.includes('Meraki Analytics'), `toolbar: ${JSON.stringify(titles)}`);
    const widths = await page.$$eval('#mx-zones .mx-zone-bar', (bars) => bars.map((b) => (b as HTMLElement).getBoundingClientRect().width));
    assert.ok(widths.some((w) => w > 0), `zone bars: ${widths}`);
    const people = await page.$$eval('#mx-zones tbody tr', (rows) => rows.map((r) => Number(r.children[3]?.textContent)));
    assert.ok(people.some((p) => p > 0), `people per zone: ${people}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-zones.png'), fullPage: true });
  });

  it('picking a zone shows its hourly chart and at least one snapshot that loaded', async function () {
    const options = await page.$$eval('#mx-zone-picker option', (o) => o.map((x) => (x as HTMLOptionElement).value));
    assert.ok(options.length >= 3, `zone options: ${options}`);
    // Pick the last zone (not the preselected first one).
    await page.selectOption('#mx-zone-picker', options[options.length - 1]);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#mx-zone-hourly .mx-hour-bar')).some((r) => Number(r.getAttribute('height')) > 0), null, { timeout: 60000 });
    const bars = await page.$$eval('#mx-zone-hourly .mx-hour-bar', (r) => r.length);
    assert.equal(bars, 24);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.mx-snapshot img')).some((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0), null, { timeout: 120000 });
    const captions = await page.$$eval('.mx-snapshot figcaption', (c) => c.map((x) => x.textContent ?? ''));
    assert.ok(captions.some((t) => /\d\d:\d\d:\d\d/.test(t)), `snapshot times: ${captions}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-zone.png'), fullPage: true });
  });

  it('lists recent correlations', async function () {
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#mx-correlations tbody tr')).some((r) => /\(\d+\)/.test(r.textContent ?? '')), null, { timeout: 120000 });
    const rows = await page.$$eval('#mx-correlations tbody tr', (r) => r.length);
    assert.ok(rows > 0);
  });

  it('renders a hostile zone label as text, and no script from the network ran', async function () {
    await page.waitForFunction((h) => Array.from(document.querySelectorAll('.mx-zone-label')).some((e) => e.textContent === h), HOSTILE, { timeout: 60000 });
    const injected = await page.$$eval('img[src="x"]', (i) => i.length);
    assert.equal(injected, 0, 'an <img src=x> element was created from a label');
    const alerts = await page.evaluate(() => (window as unknown as { __alerts: unknown[] }).__alerts);
    assert.deepEqual(alerts, []);
    assert.deepEqual(problems.filter((p) => /dialog|alert/i.test(p)), []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-full.png'), fullPage: true });
  });

  it('links the CSV downloads, which answer', async function () {
    const hrefs = await page.$$eval('#mx-downloads a', (a) => a.map((x) => (x as HTMLAnchorElement).href));
    assert.ok(hrefs.length >= 3);
    for (const href of hrefs.filter((h) => h.endsWith('.csv'))) {
      const res = await fetch(href);
      assert.equal(res.status, 200, href);
    }
  });
});
