/**
 * Issue 10 through the real application (`npm start`'s launcher, the supplied flow): what an
 * outside attack test broke, each with its fix.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { App, startApp } from '../support/app';

const SECRET = 's3cr3t-shared-value';
const VALIDATOR = 'validator-hardening-1';

async function waitForFile(file: string, re: RegExp, ms = 20000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (re.test(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${re} in ${file}:\n${text.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hardening (issue 10), through the real app', function () {
  this.timeout(120000);
  let app: App;
  before(async function () {
    app = await startApp({ CMX_SECRET: SECRET, CMX_VALIDATOR: VALIDATOR });
  });
  after(async function () {
    await app.stop();
    app.cleanup();
  });

  it('item 2: a Scanning API observation far ahead of the clock is refused, never stored; the rest of its post is', async function () {
    const now = Math.floor(Date.now() / 1000);
    const body = {
      version: '2.0', secret: SECRET, type: 'DevicesSeen',
      data: {
        apMac: '00:18:0a:00:00:01', apFloors: [], apTags: [],
        observations: [
          { clientMac: '02:10:00:00:00:01', seenEpoch: 4102444800, rssi: 40 },
          { clientMac: '02:10:00:00:00:02', seenEpoch: now, rssi: 40 },
          { clientMac: '02:10:00:00:00:03', seenEpoch: 99999999999, rssi: 40 },
        ],
      },
    };
    const res = await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 202);
    const csv = await waitForFile(path.join(app.dataDir, 'cmxData.csv'), /02:10:00:00:00:02/);
    await new Promise((r) => setTimeout(r, 500));
    const again = fs.readFileSync(path.join(app.dataDir, 'cmxData.csv'), 'utf8');
    assert.equal(again, csv);
    assert.doesNotMatch(again, /02:10:00:00:00:01|02:10:00:00:00:03|2100-|5138-/);
    await app.waitForOutput(/2 observations of a post refused: time .* (ahead of the clock|before 2015)/);
  });
});
