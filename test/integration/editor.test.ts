/**
 * At home in any Node-RED: the package from `npm pack` (and node-red-dashboard) installed into a
 * fresh user directory, Node-RED started on its own from another folder, with none of our
 * environment variables and Node-RED's own defaults (editor at `/`), used in its editor in a
 * headless Chromium as a user would: each node dragged from the palette and deployed with its
 * defaults; the whole application imported from Import > Examples, every node opened and closed
 * with Done, deployed.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { ROOT } from '../support/app';
import { installInto, pack, PlainRed, startPlainRed } from '../support/plain-red';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const CONFIG_TYPES = ['meraki-api'];
const PALETTE_TYPES = Object.keys(pkg['node-red'].nodes).filter((t) => !CONFIG_TYPES.includes(t));

interface EditorNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  valid?: boolean;
  validationErrors?: string[];
  status?: { fill?: string; shape?: string; text?: string };
  config: boolean;
}

describe('in a plain Node-RED without our variables: the editor in a headless browser', function () {
  this.timeout(180000);
  let tmp: string;
  let userDir: string;
  let red: PlainRed;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium (.ci/run does)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meraki-editor-'));
    userDir = path.join(tmp, 'user');
    const { tarball } = pack(tmp);
    installInto(userDir, [tarball, path.join(ROOT, 'node_modules', 'node-red-dashboard')]);
    // started from another folder: relative paths must not depend on it
    const cwd = path.join(tmp, 'elsewhere');
    fs.mkdirSync(cwd);
    // Node-RED's defaults, minus its first-run prompts (update notifications, the tour)
    red = await startPlainRed(userDir, cwd, { telemetry: { enabled: false }, editorTheme: { tours: false } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (e) => {
      // Monaco (the editor's code editor) may still be computing for a model when a dialog closes,
      // and then throws from its own code alone: the editor's race, not the flow's
      const stack = e.stack ?? e.message;
      const frames = stack.split('\n').filter((l) => /^\s+at /.test(l));
      if (/Model is disposed/.test(stack) && frames.every((l) => /\/vendor\/monaco\//.test(l))) return;
      pageErrors.push(stack);
    });
    page.on('dialog', (d) => {
      pageErrors.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`${red.base}/`);
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="csv-store"]', { timeout: 60000 });
    // the flows loaded and a tab shown (the palette may come first on a loaded machine)
    await page.waitForFunction('!!(RED.workspaces.active() && RED.nodes.workspace(RED.workspaces.active()))', null, { timeout: 60000 });
    await page.locator('#red-ui-workspace-chart').waitFor({ state: 'visible', timeout: 60000 });
    // no sliding trays: the same dialogs, without waiting for their animations
    await page.evaluate('jQuery.fx.off = true');
    await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; }' });
    // A tray (edit dialog) finishes opening on timers of its own (150 ms: its resize and show): a
    // dialog closed before that throws from the editor's code (its description editor is gone when
    // the resize comes). A user never presses Done that fast; the test waits for the show.
    await page.evaluate(`(() => {
      const show = RED.tray.show;
      window.__traysShown = 0;
      RED.tray.show = function (options) {
        const own = options.show;
        options.show = function () {
          window.__traysShown += 1;
          return own ? own.apply(this, arguments) : undefined;
        };
        return show.call(this, options);
      };
    })()`);
  });

  /** Runs `open` (which opens a tray) and waits until that tray has finished opening. */
  async function opened(open: () => Promise<unknown>): Promise<void> {
    const before = (await page.evaluate('window.__traysShown')) as number;
    await open();
    await page.waitForFunction(`window.__traysShown > ${before}`, null, { timeout: 10000 });
  }

  after(async function () {
    await browser?.close().catch(() => undefined);
    await red?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The nodes (and config nodes) the editor holds, as it sees them. */
  function editorNodes(): Promise<EditorNode[]> {
    // (a string: the test compiler's helpers do not exist in the page)
    return page.evaluate(`(() => {
      const out = [];
      for (const config of [false, true]) {
        RED.nodes[config ? 'eachConfig' : 'eachNode']((n) => {
          out.push({ id: n.id, type: n.type, z: n.z, name: n.name, valid: n.valid, validationErrors: n.validationErrors, status: n.status, config });
        });
      }
      return out;
    })()`);
  }

  /** Drags a node from the palette onto the workspace, as with the mouse; returns its id. */
  async function dragFromPalette(type: string, x: number, y: number): Promise<string> {
    const before = new Set((await editorNodes()).map((n) => n.id));
    const item = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
    await item.scrollIntoViewIfNeeded();
    const from = (await item.boundingBox())!;
    const chart = (await page.locator('#red-ui-workspace-chart').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(chart.x + x, chart.y + y, { steps: 12 });
    await page.mouse.up();
    const added = (await editorNodes()).filter((n) => !before.has(n.id) && n.type === type);
    assert.equal(added.length, 1, `one ${type} dropped`);
    return added[0].id;
  }

  /** Opens a node's edit dialog as a double click does, and closes it with Done. */
  async function openAndDone(n: EditorNode): Promise<void> {
    const ok = n.config ? '#node-config-dialog-ok' : '#node-dialog-ok';
    await opened(() =>
      page.evaluate(({ id, config, type }) => {
        const R = (window as any).RED;
        if (type === 'tab') R.editor.editFlow(R.nodes.workspace(id));
        else if (config) R.editor.editConfig('', type, id);
        else R.editor.edit(R.nodes.node(id));
      }, n),
    );
    await page.locator(ok).waitFor({ state: 'visible' });
    // the dialog's own set-up after it shows: each code editor (the description tab's too) has its model
    await page.waitForFunction(
      `[...document.querySelectorAll('.red-ui-tray .red-ui-editor-text-container')].every((c) => c.querySelector('.monaco-editor .view-lines'))`,
      null,
      { timeout: 10000 },
    );
    await page.waitForTimeout(100); // and its deferred layout (Node-RED 5 resizes the tray's editors a moment later)
    await page.click(ok);
    await page.locator(ok).waitFor({ state: 'detached' });
  }

  /** Deploy (full), as the button does; fails when the editor warns of invalid or unknown nodes. */
  async function deploy(): Promise<number> {
    const mark = red.log().length;
    await page.click('#red-ui-header-button-deploy');
    const warned = page.locator('#red-ui-deploy-dialog-confirm-deploy-deploy');
    const done = page.locator('#red-ui-header-button-deploy.disabled');
    await Promise.race([warned.waitFor({ state: 'visible' }), done.waitFor({ state: 'attached' })]);
    if (await warned.isVisible()) {
      const text = await page.locator('.red-ui-notification:has(#red-ui-deploy-dialog-confirm-deploy-deploy)').innerText();
      assert.fail(`the editor refused to deploy: ${text}`);
    }
    await red.waitForLog(/Started flows/, mark, 20000);
    return mark;
  }

  /** Waits until `check` holds for the editor's nodes (statuses arrive after the deploy). */
  async function waitForNodes(check: (nodes: EditorNode[]) => boolean, what: string): Promise<EditorNode[]> {
    const end = Date.now() + 10000;
    for (;;) {
      const nodes = await editorNodes();
      if (check(nodes)) return nodes;
      if (Date.now() > end) throw new Error(`${what}: ${JSON.stringify(nodes, null, 1)}`);
      await page.waitForTimeout(200);
    }
  }

  function errorsIn(log: string): string[] {
    return log.split('\n').filter((l) => /\[error\]/.test(l));
  }

  it('offers every node of the package in the palette, under Meraki, and no example needs a missing type', async function () {
    const types = await page.$$eval('.red-ui-palette-node[data-palette-type]', (els) => els.map((e) => e.getAttribute('data-palette-type')));
    for (const t of PALETTE_TYPES) assert.ok(types.includes(t), `${t} in the palette`);
    assert.deepEqual(pageErrors, []);
  });

  it('drops each node from the palette and deploys it with its defaults: no error in the log, no red status', async function () {
    const ids: Record<string, string> = {};
    // side by side, in a second row once the workspace's visible width is used up
    const width = (await page.locator('#red-ui-workspace-chart').boundingBox())!.width;
    let x = 150;
    let row = 0;
    for (const type of PALETTE_TYPES) {
      if (x > width - 150) {
        x = 150;
        row += 1;
      }
      ids[type] = await dragFromPalette(type, x, 80 + row * 320 + (x % 300));
      x += 140;
    }
    // mv-snapshot needs its configuration node, as core mqtt nodes need theirs: the user adds one
    // from the edit dialog with the pencil/plus button and keeps its defaults (no API key)
    if (ids['mv-snapshot']) {
      await opened(() => page.evaluate((id) => (window as any).RED.editor.edit((window as any).RED.nodes.node(id)), ids['mv-snapshot']));
      await opened(() => page.locator('#node-input-btn-api-add').click());
      await page.locator('#node-config-dialog-ok').click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached' });
      await page.locator('#node-dialog-ok').click();
      await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });
    }
    const dropped = (await editorNodes()).filter((n) => Object.values(ids).includes(n.id) || CONFIG_TYPES.includes(n.type));
    assert.deepEqual(dropped.filter((n) => n.valid === false).map((n) => `${n.type}: ${n.validationErrors}`), []);

    const mark = await deploy();
    const nodes = await waitForNodes(
      (list) => list.some((n) => n.type === 'csv-store' && n.status?.fill === 'green'),
      'csv-store shows its file is open',
    );
    await page.waitForTimeout(1000); // a late error status would show by now
    const red_ = (await editorNodes()).filter((n) => n.status?.fill === 'red');
    assert.deepEqual(red_.map((n) => `${n.type}: ${n.status?.text}`), []);
    const log = red.log().slice(mark);
    assert.deepEqual(errorsIn(log), [], log);
    // the defaults of an unset variable, said once: the file goes to data/ in the user directory
    assert.equal(log.match(/environment variable DATA_DIR is not set: using "data"/g)?.length, 1, log);
    assert.ok(fs.existsSync(path.join(userDir, 'data')), `${userDir}/data`);
    assert.ok(!fs.existsSync(path.join(tmp, 'elsewhere', 'data')), 'nothing in the working directory');
    assert.equal((await fetch(`${red.base}/analytics/summary`)).status, 200, 'the dropped correlate serves the summary');
    assert.equal((await fetch(`${red.base}/cmx`)).status, 200, 'the dropped receiver answers at /cmx');
    assert.ok(nodes.length > 0);
    assert.deepEqual(pageErrors, []);
  });

  it('imports the whole application (Import > Examples > dashboard); every node opened and closed with Done stays valid; it deploys without an error and /analytics/summary answers', async function () {
    // a clean workspace: the dropped nodes go (one receiver per path)
    await page.locator('#red-ui-workspace-chart').click({ position: { x: 20, y: 600 } });
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');

    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.click('#red-ui-clipboard-dialog-import-tabs a:has-text("Examples")');
    const tree = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    const label = (text: string) => tree.locator('.red-ui-treeList-label', { hasText: new RegExp(`^\\s*${text}\\s*$`) });
    await label(pkg.name).click();
    await label('dashboard').click();
    await label('Meraki Analytics').click();
    await page.click('#red-ui-clipboard-dialog-ok');
    await page.locator('#red-ui-clipboard-dialog-ok').waitFor({ state: 'hidden' });

    const example: Record<string, any>[] = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'dashboard', 'Meraki Analytics.json'), 'utf8'));
    const tab = example.find((n) => n.type === 'tab')!;
    // every node of the example (the tab is a workspace)
    let nodes = await waitForNodes((list) => list.filter((n) => example.some((e) => e.id === n.id)).length === example.length - 1, 'imported');
    const imported = nodes.filter((n) => example.some((e) => e.id === n.id));
    const invalidBefore = imported.filter((n) => n.valid === false);
    assert.deepEqual(invalidBefore.map((n) => `${n.type} ${n.name || n.id}: ${n.validationErrors}`), [], 'valid as imported');

    // open each node and press Done, changing nothing: the tab (its environment), the nodes, their config nodes
    await openAndDone({ id: tab.id, type: 'tab', config: false });
    for (const n of imported) {
      if (n.type === 'ui_base') continue; // no edit dialog: the dashboard's sidebar edits it
      const errs = pageErrors.length;
      await openAndDone(n);
      if (pageErrors.length > errs) pageErrors.push(`(in the dialog of ${n.type} ${n.id})`);
    }
    nodes = await editorNodes();
    const after = nodes.filter((n) => example.some((e) => e.id === n.id));
    assert.deepEqual(after.filter((n) => n.valid === false).map((n) => `${n.type} ${n.name || n.id}: ${n.validationErrors}`), [], 'still valid after Done');

    const mark = await deploy();
    await page.waitForTimeout(1500);
    const log = red.log().slice(mark);
    assert.deepEqual(errorsIn(log), [], log);
    // core mqtt nodes: the tab's environment gives them the SPEC default broker and topic
    assert.match(log, /broker: mqtt:\/\/localhost:1883/, log);
    assert.doesNotMatch(log, /\$\{/, 'no ${VAR} left in the log');
    const res = await fetch(`${red.base}/analytics/summary`);
    assert.equal(res.status, 200);
    const summary = await res.json();
    assert.ok(Array.isArray(summary.zones) && summary.visitors, JSON.stringify(summary));
    const redStatus = (await editorNodes()).filter((n) => n.status?.fill === 'red' && n.type !== 'mqtt in');
    assert.deepEqual(redStatus.map((n) => `${n.type}: ${n.status?.text}`), [], 'no red status (but the MQTT feed, when no broker runs on localhost:1883)');
    assert.deepEqual(pageErrors, []);
  });
});
