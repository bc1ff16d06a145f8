/**
 * The editor checks our nodes' settings with the runtime's own code (src/lib/editor-rules.ts,
 * bundled by the build into resources/editor-rules.js): it refuses what a deployed node would
 * refuse, with the same words; and every node of the supplied flow and of the examples has values
 * the editor accepts, so opening one and pressing Done never makes it invalid.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ActivityDetector, activityOptions } from '../../src/lib/activity';
import { parseCameraAps, parseLabels } from '../../src/lib/config-maps';
import { correlateOptions, maxDevices } from '../../src/lib/correlate';
import { SUMMARY_INTERVAL } from '../../src/lib/summary-cadence';
import { check, CHECKS } from '../../src/lib/editor-rules';
import { API_SETTINGS } from '../../src/lib/meraki-api';
import { numberOption } from '../../src/lib/options';
import { MAX_BODY_MB, observationFilter } from '../../src/lib/receiver-settings';
import { SNAPSHOT_SETTINGS } from '../../src/lib/snapshot';
import { timeZoneProblem } from '../../src/lib/tz';
import { widgetOptions } from '../../src/lib/widget-settings';
import { ROOT } from '../support/app';
import { editorContext, editorDefinitions, editorVerdict } from '../support/editor';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const OURS = Object.keys(pkg['node-red'].nodes);

/** What the runtime says of a value: the error it throws, or null. */
function runtime(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('editor rules: the runtime\'s checks in the editor', function () {
  const rules = editorContext().window.MerakiAnalyticsRules;

  it('the built bundle runs without Node.js (no require, no process) and offers a check per setting', function () {
    assert.equal(typeof rules.validator, 'function');
    for (const [type, keys] of Object.entries(CHECKS)) {
      for (const key of Object.keys(keys)) assert.equal(rules.validator(type, key).length, 2, `${type}.${key}: a Node-RED 4 validator (two parameters)`);
    }
    assert.throws(() => rules.validator('csv-store', 'nothing'), /no check for csv-store\.nothing/);
  });

  it('refuses what the runtime refuses, in the runtime\'s words; accepts defaults and empty values', function () {
    const cases: [string, string, unknown, string | null][] = [
      ['activity-detector', 'minMessages', '2.5', runtime(() => activityOptions({ minMessages: '2.5' }))],
      ['activity-detector', 'idleSeconds', '0', runtime(() => activityOptions({ idleSeconds: '0' }))],
      ['activity-detector', 'peopleThreshold', 'many', runtime(() => activityOptions({ peopleThreshold: 'many' }))],
      ['activity-detector', 'maxKeys', '0', runtime(() => new ActivityDetector({}, { maxKeys: '0' }))],
      ['activity-detector', 'maxKeys', '2.5', runtime(() => new ActivityDetector({}, { maxKeys: '2.5' }))],
      ['cmx-mv-correlate', 'windowHours', '1000', runtime(() => correlateOptions({ windowHours: '1000' }))],
      ['cmx-mv-correlate', 'maxDevices', '0', runtime(() => maxDevices('0'))],
      ['cmx-mv-correlate', 'maxDevices', 'lots', runtime(() => maxDevices('lots'))],
      ['cmx-mv-correlate', 'rssiThreshold', '-300', runtime(() => correlateOptions({ rssiThreshold: '-300' }))],
      ['cmx-mv-correlate', 'summaryIntervalS', '-1', runtime(() => numberOption('summaryIntervalS', '-1', SUMMARY_INTERVAL))],
      ['cmx-mv-correlate', 'timezone', 'Mars/Olympus', timeZoneProblem('Mars/Olympus')],
      ['cmx-mv-correlate', 'cameraAps', 'Q2GV-7HJK-2LMN: e0:55:3d:10:4a', runtime(() => parseCameraAps('Q2GV-7HJK-2LMN: e0:55:3d:10:4a'))],
      ['cmx-mv-correlate', 'cameraAps', '${CAMERA_APS}', runtime(() => parseCameraAps('${CAMERA_APS}'))],
      ['cmx-mv-correlate', 'labels', 'Q2GV-7HJK-2LMN/1 Entrance', runtime(() => parseLabels('Q2GV-7HJK-2LMN/1 Entrance'))],
      ['cmx-receiver', 'minRssi', 'strong', runtime(() => observationFilter({ minRssi: 'strong' }))],
      ['cmx-receiver', 'apMacs', 'e0:55:3d:10:4a:c1, nope', runtime(() => observationFilter({ apMacs: 'e0:55:3d:10:4a:c1, nope' }))],
      ['cmx-receiver', 'maxBodyMB', '0', runtime(() => numberOption('maxBodyMB', '0', MAX_BODY_MB))],
      ['mv-snapshot', 'keep', '51', runtime(() => numberOption('keep', '51', SNAPSHOT_SETTINGS.keep))],
      ['meraki-api', 'rate', '0', runtime(() => numberOption('rate', '0', API_SETTINGS.rate))],
      ['analytics-widgets', 'snapshots', '51', runtime(() => widgetOptions({ snapshots: '51' }))],
      ['analytics-widgets', 'snapshots', '2.5', runtime(() => widgetOptions({ snapshots: '2.5' }))],
      ['analytics-widgets', 'dashboard', '3', runtime(() => widgetOptions({ dashboard: '3' }))],
    ];
    for (const [type, key, value, said] of cases) {
      assert.ok(said, `${type}.${key} = ${value}: the runtime refuses it`);
      assert.equal(rules.validator(type, key)(value, {}), said, `${type}.${key} = ${value}`);
      assert.equal(check(type, key, value), said);
    }
    assert.match(rules.validator('cmx-mv-correlate', 'timezone')('Mars/Olympus', {}), /unknown time zone "Mars\/Olympus"/);
    assert.equal(rules.validator('cmx-receiver', 'path')('/a*b', {}), 'a path of letters, digits and . _ ~ - / only, e.g. /cmx');
    const fine: [string, string, unknown][] = [
      ['activity-detector', 'minMessages', 50], ['activity-detector', 'minPeak', '0'], ['cmx-mv-correlate', 'timezone', ''],
      ['cmx-mv-correlate', 'timezone', 'Europe/Paris'], ['cmx-mv-correlate', 'cameraAps', 'Q2GV-7HJK-2LMN: e0:55:3d:10:4a:c1 | Q2JV-AB12-CD34: e0553d104ac7'],
      ['cmx-mv-correlate', 'labels', 'Q2GV-7HJK-2LMN/1: Entrance\n# a comment'], ['cmx-mv-correlate', 'windowHours', ''], ['activity-detector', 'maxKeys', 10000], ['activity-detector', 'maxKeys', ''],
      ['cmx-mv-correlate', 'maxDevices', 500000], ['cmx-mv-correlate', 'maxDevices', ''],
      ['cmx-receiver', 'path', 'cmx/'], ['cmx-receiver', 'apMacs', ''], ['cmx-receiver', 'minRssi', -10], ['mv-snapshot', 'keep', 50],
      ['analytics-widgets', 'snapshots', 50], ['analytics-widgets', 'snapshots', '1'], ['analytics-widgets', 'dashboard', '2'],
    ];
    for (const [type, key, value] of fine) assert.equal(rules.validator(type, key)(value, {}), true, `${type}.${key} = ${value}`);
  });

  describe('the supplied flow and every example: each node of ours has every setting, with a value the editor accepts', function () {
    const defs = editorDefinitions(OURS);
    const files = [path.join(ROOT, 'flows', 'meraki-analytics.json')];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else if (e.name.endsWith('.json')) files.push(path.join(dir, e.name));
      }
    };
    walk(path.join(ROOT, 'examples'));

    it('the editor definitions of all our nodes were read', function () {
      assert.deepEqual(Object.keys(defs).sort(), [...OURS].sort());
    });

    for (const file of files) {
      it(path.relative(ROOT, file), function () {
        const flow: Record<string, any>[] = JSON.parse(fs.readFileSync(file, 'utf8'));
        const problems: string[] = [];
        for (const node of flow.filter((n) => OURS.includes(n.type))) {
          for (const [key, def] of Object.entries(defs[node.type].defaults)) {
            const where = `${node.type} ${node.id} (${node.name || 'unnamed'}) ${key}`;
            if (!(key in node)) {
              problems.push(`${where}: missing (the edit dialog would open with it empty)`);
              continue;
            }
            if (def.type) {
              const target = flow.find((n) => n.id === node[key]);
              if (def.required && (!target || target.type !== def.type)) problems.push(`${where}: no ${def.type} node ${node[key]}`);
              continue;
            }
            const verdict = editorVerdict(node, def, node[key]);
            if (verdict !== true) problems.push(`${where} = ${JSON.stringify(node[key])}: ${verdict || 'invalid'}`);
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  });
});
