import { strict as assert } from 'assert';
import * as crypto from 'crypto';
import fc from 'fast-check';
import {
  checkPost, DBM_OFFSET, DEFAULT_MIN_RSSI, keep, normalise, NormaliseStats, Observation, observationFilter, PostInfo,
  secretEquals,
} from '../../src/lib/scanning';
import { fixture } from '../support/fixtures';

const SECRET = 's3cr3t-shared-value';
const NET = 'L_646829496481105433';
const AP_C1 = 'e0:55:3d:10:4a:c1';
const AP_C7 = 'e0:55:3d:10:4a:c7';
const AP_B02 = 'e0:55:3d:10:4b:02';
const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const FIELDS = [
  'ts', 'time', 'clientMac', 'apMac', 'rssi', 'rssiDbm', 'ssid', 'manufacturer', 'os', 'ipv4', 'lat', 'lng', 'unc',
  'x', 'y', 'floor', 'networkId', 'radio', 'version',
].sort();
const FIXTURES = ['B-1', 'B-2', 'B-3', 'B-4', 'B-5', 'B-6', 'B-7', 'B-8', 'B-9', 'B-10', 'B-11'];

/** A fixture as an object to spread. */
const fx = (name: string): Record<string, unknown> => fixture(name);

/** checkPost that must accept. */
function accept(body: unknown, secret = SECRET): PostInfo {
  const v = checkPost(body, secret);
  if (!v.ok) assert.fail(`expected the post to be accepted, got ${JSON.stringify(v)}`);
  return v.post;
}

function run(body: unknown, stats?: NormaliseStats): Observation[] {
  return normalise(accept(body), stats);
}

function stats(): NormaliseStats {
  return { read: 0, invalid: 0, duplicates: 0 };
}

/** A v2 post with the given observations. */
function v2(observations: unknown, extra: Record<string, unknown> = {}, type = 'DevicesSeen'): Record<string, unknown> {
  return { version: '2.0', secret: SECRET, type, data: { apMac: AP_C1, apTags: [], apFloors: ['F1'], observations, ...extra } };
}

function v2obs(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientMac: '3c:22:fb:8e:19:0a', ipv4: '/10.0.0.5', seenTime: '2024-06-20T08:00:31Z', seenEpoch: 1718870431,
    ssid: 'Net', os: 'iOS', manufacturer: 'Apple', rssi: 30,
    location: { lat: 1, lng: 2, unc: 3, x: [4], y: [5] },
    ...over,
  };
}

/** A v3 post with the given observations. */
function v3(observations: unknown, type = 'WiFi'): Record<string, unknown> {
  return { version: '3.0', secret: SECRET, type, data: { networkId: NET, observations } };
}

function v3loc(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time: '2024-06-20T08:00:21Z', lat: 1, lng: 2, x: '3', y: '4', variance: 5, floorPlanName: 'F', rssiRecords: [{ apMac: AP_C1, rssi: -50 }],
    ...over,
  };
}

function checkShape(o: Observation): void {
  assert.deepEqual(Object.keys(o).sort(), FIELDS);
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.match(o.clientMac, MAC_RE);
  assert.ok(o.apMac === null || MAC_RE.test(o.apMac), `apMac ${o.apMac}`);
  assert.ok(Number.isFinite(o.ts), `ts ${o.ts}`);
  assert.equal(o.time, new Date(o.ts).toISOString());
  assert.ok(Number.isFinite(o.rssi), `rssi ${o.rssi}`);
  assert.ok(o.rssiDbm === null || Number.isFinite(o.rssiDbm));
  for (const k of ['ssid', 'manufacturer', 'os', 'ipv4', 'floor', 'networkId'] as const) {
    const v = o[k];
    assert.ok(v === null || (typeof v === 'string' && v.length > 0 && v.length <= 256), `${k} ${String(v).slice(0, 40)}`);
  }
  for (const k of ['lat', 'lng', 'unc', 'x', 'y'] as const) {
    const v = o[k];
    assert.ok(v === null || (typeof v === 'number' && Number.isFinite(v)), `${k} ${v}`);
  }
  assert.ok(o.radio === 'wifi' || o.radio === 'ble');
  assert.equal(typeof o.version, 'string');
  assert.ok(o.version.length <= 256);
}

describe('scanning', () => {
  // ---------------------------------------------------------------------------------------------
  describe('secretEquals', () => {
    it('equal strings → true', () => {
      assert.equal(secretEquals(SECRET, SECRET), true);
      assert.equal(secretEquals('x', 'x'), true);
      assert.equal(secretEquals('é ü 🔑', 'é ü 🔑'), true);
    });

    it('unequal strings of the same length → false', () => {
      assert.equal(secretEquals('s3cr3t-shared-valuE', SECRET), false);
      assert.equal(secretEquals('t3cr3t-shared-value', SECRET), false);
    });

    it('different lengths (prefix, extension, empty) → false', () => {
      assert.equal(secretEquals('s3cr3t', SECRET), false);
      assert.equal(secretEquals(SECRET + 'x', SECRET), false);
      assert.equal(secretEquals(SECRET + '\0', SECRET), false);
      assert.equal(secretEquals('', SECRET), false);
      assert.equal(secretEquals('x'.repeat(100_000), SECRET), false);
    });

    it('a given value that is not a string → false (even when its text would match)', () => {
      for (const v of [undefined, null, 0, 123, true, {}, [], [SECRET], { toString: () => SECRET }, Buffer.from(SECRET)]) {
        assert.equal(secretEquals(v, SECRET), false, String(v));
      }
      assert.equal(secretEquals(123, '123'), false);
    });

    it('an empty configured secret: only a non-string given value or a non-empty one is refused', () => {
      // Equality semantics: '' equals ''; nothing else does. (Whether an unset secret should refuse
      // every post is a node-level decision; see the report.)
      assert.equal(secretEquals('', ''), true);
      assert.equal(secretEquals('x', ''), false);
      assert.equal(secretEquals(undefined, ''), false);
      assert.equal(secretEquals(null, ''), false);
      assert.equal(secretEquals(0, ''), false);
    });

    it('checkPost refuses every post when no secret is configured, even one with an empty secret', () => {
      const body = { version: '2.0', secret: '', type: 'DevicesSeen', data: { observations: [] } };
      assert.deepEqual(checkPost(body, ''), { ok: false, status: 403, error: 'invalid secret' });
      assert.deepEqual(checkPost({ ...body, secret: undefined }, ''), { ok: false, status: 403, error: 'invalid secret' });
      assert.equal(checkPost({ ...body, secret: 'x' }, 'x').ok, true);
    });

    it('goes through crypto.timingSafeEqual with two equal-length digests, whatever the lengths given', () => {
      const mod = require('crypto') as typeof crypto;
      const original = mod.timingSafeEqual;
      const calls: [number, number][] = [];
      (mod as { timingSafeEqual: typeof original }).timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
        calls.push([a.byteLength, b.byteLength]);
        return original(a, b);
      };
      try {
        assert.equal(secretEquals('a', SECRET), false);
        assert.equal(secretEquals('x'.repeat(5000), SECRET), false);
        assert.equal(secretEquals(SECRET, SECRET), true);
        assert.equal(secretEquals(undefined, SECRET), false);
      } finally {
        (mod as { timingSafeEqual: typeof original }).timingSafeEqual = original;
      }
      assert.equal(calls.length, 4, 'one constant-time comparison per call, none skipped on a length mismatch');
      for (const [a, b] of calls) {
        assert.equal(a, b);
        assert.ok(a >= 32, 'digests, not the raw strings');
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('checkPost', () => {
    it('accepts every example post with the right major version, radio and type', () => {
      const expect: Record<string, [string, 2 | 3, 'wifi' | 'ble', string]> = {
        'B-1': ['2.0', 2, 'wifi', 'DevicesSeen'],
        'B-2': ['2.0', 2, 'wifi', 'DevicesSeen'],
        'B-3': ['2.0', 2, 'ble', 'BluetoothDevicesSeen'],
        'B-4': ['2.1', 2, 'ble', 'BluetoothDevicesSeen'],
        'B-5': ['2.1', 2, 'wifi', 'DevicesSeen'],
        'B-6': ['3.0', 3, 'wifi', 'WiFi'],
        'B-7': ['3.0', 3, 'wifi', 'WiFi'],
        'B-8': ['3.1', 3, 'wifi', 'WiFi'],
        'B-9': ['3.0', 3, 'ble', 'BLE'],
        'B-10': ['3.0', 3, 'ble', 'BLE'],
        'B-11': ['3.0', 3, 'ble', 'BLE'],
      };
      for (const name of FIXTURES) {
        const body = fixture(name);
        const post = accept(body);
        const [version, major, radio, type] = expect[name];
        assert.equal(post.version, version, name);
        assert.equal(post.major, major, name);
        assert.equal(post.radio, radio, name);
        assert.equal(post.type, type, name);
        assert.equal(post.data, body.data, name);
      }
    });

    it('no body / no data / data not an object → 400 "no data", even when the secret is also wrong', () => {
      const bodies: unknown[] = [
        undefined, null, 0, 'text', true, [], [fixture('B-1')],
        { secret: 'wrong', version: '2.0', type: 'DevicesSeen' },
        { secret: 'wrong', version: '9', type: 'nope', data: null },
        { secret: 'wrong', version: '2.0', type: 'DevicesSeen', data: 'x' },
        { secret: 'wrong', version: '2.0', type: 'DevicesSeen', data: [] },
        { secret: 'wrong', version: '2.0', type: 'DevicesSeen', data: 42 },
        { secret: SECRET, version: '2.0', type: 'DevicesSeen', data: [{ observations: [] }] },
      ];
      for (const b of bodies) {
        assert.deepEqual(checkPost(b, SECRET), { ok: false, status: 400, error: 'no data' }, JSON.stringify(b));
      }
    });

    it('wrong or missing secret → 403, even when the version and type are also wrong', () => {
      const base = fixture('B-1');
      for (const secret of ['wrong', '', undefined, null, 12, SECRET.toUpperCase(), SECRET + ' ', [SECRET]]) {
        for (const [version, type] of [['2.0', 'DevicesSeen'], ['4.0', 'DevicesSeen'], ['2.0', 'Nope'], ['abc', 'Nope'], [undefined, undefined]]) {
          const body = { ...base, secret, version, type };
          assert.deepEqual(checkPost(body, SECRET), { ok: false, status: 403, error: 'invalid secret' }, JSON.stringify({ secret, version, type }));
        }
      }
    });

    it('the secret is checked against the configured one', () => {
      assert.equal(checkPost(fixture('B-1'), 'another').ok, false);
      assert.ok(checkPost({ ...fx('B-1'), secret: 'another' }, 'another').ok);
    });

    it('versions "2.0", "2.1", "3.0", "3.1", 2, 3 (and other 2.x / 3.x) are accepted, routed on the major number', () => {
      const cases: [unknown, 2 | 3, string][] = [
        ['2.0', 2, '2.0'], ['2.1', 2, '2.1'], ['3.0', 3, '3.0'], ['3.1', 3, '3.1'], [2, 2, '2'], [3, 3, '3'],
        [2.1, 2, '2.1'], ['2', 2, '2'], ['3.10', 3, '3.10'], ['2.0.1', 2, '2.0.1'], [' 3.0 ', 3, '3.0'],
      ];
      for (const [version, major, text] of cases) {
        const v = checkPost({ ...fx('B-1'), version }, SECRET);
        assert.ok(v.ok, JSON.stringify(version));
        assert.equal(v.post.major, major, JSON.stringify(version));
        assert.equal(v.post.version, text, JSON.stringify(version));
      }
    });

    it('other versions, missing or malformed → 400 "unsupported version" (also when the type is unknown)', () => {
      const versions: unknown[] = [
        '1.0', '4.0', '', '   ', undefined, null, 'abc', '2.x', 'v2', '2.', '.2', '-2', '+2', '2,0', '1', '4', 1, 4, 0, -2, 2e21,
        NaN, Infinity, true, {}, [], ['2.0'], { major: 2 }, '0x2', '2e0', '20', '2 0', '3.0-beta',
      ];
      for (const version of versions) {
        for (const type of ['DevicesSeen', 'Nope']) {
          const body = { ...fx('B-1'), version, type };
          if (version === undefined) delete (body as Record<string, unknown>).version;
          assert.deepEqual(checkPost(body, SECRET), { ok: false, status: 400, error: 'unsupported version' }, JSON.stringify({ version, type }));
        }
      }
    });

    it('types DevicesSeen/WiFi → wifi, BluetoothDevicesSeen/BLE/Bluetooth → ble, in v2 and v3', () => {
      const radios: Record<string, string> = { DevicesSeen: 'wifi', WiFi: 'wifi', BluetoothDevicesSeen: 'ble', BLE: 'ble', Bluetooth: 'ble' };
      for (const [type, radio] of Object.entries(radios)) {
        for (const version of ['2.0', '3.0']) {
          const v = checkPost({ ...fx('B-1'), version, type }, SECRET);
          assert.ok(v.ok, type);
          assert.equal(v.post.radio, radio, type);
          assert.equal(v.post.type, type);
        }
      }
    });

    it('any other type → 400 "unknown type", including prototype keys', () => {
      const types: unknown[] = [
        '', 'wifi', 'WIFI', 'ble', 'bluetooth', 'DevicesSeen ', ' WiFi', 'Devices', 'Wi-Fi', undefined, null, 1, {}, ['WiFi'],
        '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype',
      ];
      for (const type of types) {
        const body = { ...fx('B-6'), type };
        assert.deepEqual(checkPost(body, SECRET), { ok: false, status: 400, error: 'unknown type' }, JSON.stringify(type));
      }
    });

    it('a JSON body with a "__proto__" key for data is not taken as data', () => {
      const text = `{"__proto__": {"data": {"apMac": "${AP_C1}", "observations": []}}, "secret": "${SECRET}", "version": "2.0", "type": "DevicesSeen"}`;
      assert.deepEqual(checkPost(JSON.parse(text), SECRET), { ok: false, status: 400, error: 'no data' });
    });

    it('a version string longer than 256 characters never reaches an observation', () => {
      const version = '2' + '.0'.repeat(5000);
      const v = checkPost({ ...fx('B-1'), version }, SECRET);
      if (v.ok) {
        for (const o of normalise(v.post)) assert.ok(o.version.length <= 256, `version of ${o.version.length} chars`);
      } else {
        assert.deepEqual(v, { ok: false, status: 400, error: 'unsupported version' });
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('normalise: every example post, field by field', () => {
    const v2wifi = { networkId: null, radio: 'wifi', rssiDbm: null };
    const expected: Record<string, Observation[]> = {
      'B-1': [
        {
          ts: 1718870431000, time: '2024-06-20T08:00:31.000Z', clientMac: '3c:22:fb:8e:19:0a', apMac: AP_C1, rssi: 38,
          ssid: 'Corp-WiFi', manufacturer: 'Apple', os: 'iOS', ipv4: '10.20.1.57',
          lat: 51.5072813, lng: -0.1277633, unc: 3.41, x: 22.8, y: 9.4, floor: 'HQ - Floor 2', version: '2.0', ...v2wifi,
        } as Observation,
        {
          ts: 1718870412000, time: '2024-06-20T08:00:12.000Z', clientMac: 'a4:c3:f0:55:12:9e', apMac: AP_C1, rssi: 14,
          ssid: null, manufacturer: 'Intel', os: null, ipv4: null,
          lat: 51.5072991, lng: -0.1278102, unc: 27.9, x: 31.2, y: 14.7, floor: 'HQ - Floor 2', version: '2.0', ...v2wifi,
        } as Observation,
      ],
      'B-2': [
        {
          ts: 1718870444000, time: '2024-06-20T08:00:44.000Z', clientMac: 'f8:ff:c2:01:7d:33', apMac: AP_C7, rssi: 52,
          ssid: 'Corp-WiFi', manufacturer: 'Apple', os: 'Mac OS X', ipv4: '10.20.1.88',
          lat: 51.5072813, lng: -0.1277633, unc: 0.62, x: null, y: null, floor: null, version: '2.0', ...v2wifi,
        } as Observation,
      ],
      'B-3': [
        {
          ts: 1718870420000, time: '2024-06-20T08:00:20.000Z', clientMac: 'c2:7d:91:0e:44:a8', apMac: AP_C1, rssi: 24, rssiDbm: -71,
          ssid: null, manufacturer: null, os: null, ipv4: null,
          lat: 51.5072901, lng: -0.1277911, unc: 6.2, x: 25.1, y: 11, floor: 'HQ - Floor 2', networkId: null, radio: 'ble', version: '2.0',
        },
        {
          ts: 1718870403000, time: '2024-06-20T08:00:03.000Z', clientMac: 'd4:1f:0b:62:90:17', apMac: AP_C1, rssi: 7, rssiDbm: -88,
          ssid: null, manufacturer: null, os: null, ipv4: null,
          lat: null, lng: null, unc: 49.5, x: null, y: null, floor: 'HQ - Floor 2', networkId: null, radio: 'ble', version: '2.0',
        },
      ],
      'B-4': [
        {
          ts: 1718870462000, time: '2024-06-20T08:01:02.000Z', clientMac: 'e6:3a:11:9b:02:5c', apMac: AP_C1, rssi: 31, rssiDbm: -64,
          ssid: null, manufacturer: null, os: null, ipv4: null,
          lat: 51.5072851, lng: -0.127771, unc: 4.8, x: null, y: null, floor: null, networkId: null, radio: 'ble', version: '2.1',
        },
      ],
      'B-5': [
        {
          ts: 1718870465000, time: '2024-06-20T08:01:05.000Z', clientMac: '3c:22:fb:8e:19:0a', apMac: AP_C1, rssi: 41,
          ssid: 'Corp-WiFi', manufacturer: 'Apple', os: 'iOS', ipv4: '10.20.1.57',
          lat: 51.5072813, lng: -0.1277633, unc: 2.9, x: 22.6, y: 9.9, floor: 'HQ - Floor 2', version: '2.1', ...v2wifi,
        } as Observation,
      ],
      'B-6': [
        {
          ts: 1718870421000, time: '2024-06-20T08:00:21.000Z', clientMac: '3c:22:fb:8e:19:0a', apMac: AP_C1, rssi: 46, rssiDbm: -49,
          ssid: 'Corp-WiFi', manufacturer: 'Apple', os: 'iOS', ipv4: '10.20.1.57',
          lat: 51.50728, lng: -0.12776, unc: 2.31, x: 22.81, y: 9.42, floor: 'HQ - Floor 2', networkId: NET, radio: 'wifi', version: '3.0',
        },
        {
          ts: 1718870449000, time: '2024-06-20T08:00:49.000Z', clientMac: '3c:22:fb:8e:19:0a', apMac: AP_C1, rssi: 48, rssiDbm: -47,
          ssid: 'Corp-WiFi', manufacturer: 'Apple', os: 'iOS', ipv4: '10.20.1.57',
          lat: 51.50729, lng: -0.12777, unc: 2.05, x: 23.4, y: 10.05, floor: 'HQ - Floor 2', networkId: NET, radio: 'wifi', version: '3.0',
        },
      ],
      'B-7': [
        {
          ts: 1718870457000, time: '2024-06-20T08:00:57.000Z', clientMac: 'da:a1:19:3f:70:0e', apMac: AP_C7, rssi: 14, rssiDbm: -81,
          ssid: null, manufacturer: null, os: null, ipv4: null,
          lat: null, lng: null, unc: null, x: null, y: null, floor: null, networkId: NET, radio: 'wifi', version: '3.0',
        },
      ],
      'B-8': [
        {
          ts: 1718870493000, time: '2024-06-20T08:01:33.000Z', clientMac: '3c:22:fb:8e:19:0a', apMac: AP_C1, rssi: 50, rssiDbm: -45,
          ssid: 'Corp-WiFi', manufacturer: 'Apple', os: 'iOS', ipv4: '10.20.1.57',
          lat: 51.50729, lng: -0.12777, unc: 1.9, x: 23.1, y: 9.8, floor: 'HQ - Floor 2', networkId: NET, radio: 'wifi', version: '3.1',
        },
      ],
      'B-9': [
        {
          ts: 1718870470000, time: '2024-06-20T08:01:10.000Z', clientMac: 'c2:7d:91:0e:44:a8', apMac: AP_C1, rssi: 29, rssiDbm: -66,
          ssid: null, manufacturer: null, os: null, ipv4: null,
          lat: 51.50729, lng: -0.12777, unc: 3.4, x: 26.2, y: 12.7, floor: 'HQ - Floor 2', networkId: NET, radio: 'ble', version: '3.0',
        },
      ],
      'B-10': [
        {
          ts: 1718870474000, time: '2024-06-20T08:01:14.000Z', clientMac: 'e6:3a:11:9b:02:5c', apMac: AP_C7, rssi: 12, rssiDbm: -83,
          ssid: null, manufacturer: null, os: null, ipv4: null,
          lat: null, lng: null, unc: null, x: null, y: null, floor: null, networkId: NET, radio: 'ble', version: '3.0',
        },
      ],
      'B-11': [
        {
          ts: 1718870480000, time: '2024-06-20T08:01:20.000Z', clientMac: '5a:91:c0:2e:77:13', apMac: AP_B02, rssi: 5, rssiDbm: -90,
          ssid: null, manufacturer: null, os: null, ipv4: null,
          lat: null, lng: null, unc: null, x: null, y: null, floor: null, networkId: NET, radio: 'ble', version: '3.0',
        },
      ],
    };
    const reads: Record<string, number> = {
      'B-1': 2, 'B-2': 1, 'B-3': 2, 'B-4': 1, 'B-5': 1, 'B-6': 2, 'B-7': 1, 'B-8': 1, 'B-9': 1, 'B-10': 1, 'B-11': 1,
    };

    for (const name of FIXTURES) {
      it(`${name}`, () => {
        const st = stats();
        const list = run(fixture(name), st);
        assert.deepStrictEqual(list, expected[name]);
        assert.deepEqual(st, { read: reads[name], invalid: 0, duplicates: 0 });
        for (const o of list) checkShape(o);
      });
    }

    it('does not filter: low signals (B-1 rssi 14, B-11 -90 dBm) are returned', () => {
      assert.ok(run(fixture('B-1')).some((o) => o.rssi === 14));
      assert.equal(run(fixture('B-11'))[0].rssi, 5);
    });

    it('does not change the post it reads', () => {
      for (const name of FIXTURES) {
        const body = fixture(name);
        const copy = JSON.parse(JSON.stringify(body));
        normalise(accept(body));
        assert.deepStrictEqual(body, copy, name);
      }
    });

    it('every dBm value is converted with rssi = dBm + 95', () => {
      assert.equal(DBM_OFFSET, 95);
      for (const name of FIXTURES) {
        for (const o of run(fixture(name))) {
          if (o.rssiDbm !== null) assert.equal(o.rssi, o.rssiDbm + 95, name);
          else assert.ok(o.rssi >= 0, name);
        }
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('normalise: v2 rules', () => {
    it('seenEpoch (seconds) is the time; seconds as a string and ms are accepted too', () => {
      assert.equal(run(v2([v2obs({ seenEpoch: 1718870431 })]))[0].ts, 1718870431000);
      assert.equal(run(v2([v2obs({ seenEpoch: '1718870431' })]))[0].ts, 1718870431000);
      assert.equal(run(v2([v2obs({ seenEpoch: 1718870431123 })]))[0].ts, 1718870431123);
    });

    it('seenTime is used when seenEpoch is missing; a time without a zone is UTC', () => {
      const a = run(v2([v2obs({ seenEpoch: undefined, seenTime: '2024-06-20T08:00:12Z' })]))[0];
      assert.equal(a.ts, 1718870412000);
      assert.equal(a.time, '2024-06-20T08:00:12.000Z');
      const b = run(v2([v2obs({ seenEpoch: null, seenTime: '2024-06-20T08:00:12' })]))[0];
      assert.equal(b.ts, 1718870412000);
    });

    it('ipv4: "/ip", "host/ip", bare ip → the address; null/empty/non-string → null', () => {
      const ip = (v: unknown): string | null => run(v2([v2obs({ ipv4: v })]))[0].ipv4;
      assert.equal(ip('/10.0.0.5'), '10.0.0.5');
      assert.equal(ip('MacBook-Pro-3/10.20.1.88'), '10.20.1.88');
      assert.equal(ip('a/b/10.1.2.3'), '10.1.2.3');
      assert.equal(ip('10.1.2.3'), '10.1.2.3');
      assert.equal(ip('host/'), null);
      assert.equal(ip('/'), null);
      assert.equal(ip(''), null);
      assert.equal(ip(null), null);
      assert.equal(ip(17), null);
    });

    it('lat/lng "NaN" → null, string numbers → numbers; x/y arrays → first element or null', () => {
      const o = run(v2([v2obs({ location: { lat: 'NaN', lng: 'NaN', unc: '4.5', x: ['1.5', 9], y: [] } })]))[0];
      assert.equal(o.lat, null);
      assert.equal(o.lng, null);
      assert.equal(o.unc, 4.5);
      assert.equal(o.x, 1.5);
      assert.equal(o.y, null);
      const p = run(v2([v2obs({ location: { lat: '51.5', lng: -0.1, unc: null, x: 7, y: ['NaN'] } })]))[0];
      assert.equal(p.lat, 51.5);
      assert.equal(p.lng, -0.1);
      assert.equal(p.unc, null);
      assert.equal(p.x, 7);
      assert.equal(p.y, null);
      const q = run(v2([v2obs({ location: null })]))[0];
      assert.deepEqual([q.lat, q.lng, q.unc, q.x, q.y], [null, null, null, null, null]);
    });

    it('no field is ever the string "NaN"', () => {
      const o = run(v2([v2obs({ ssid: 'NaN', location: { lat: 'NaN', lng: 'NaN', unc: 'NaN', x: ['NaN'], y: 'NaN' } })]))[0];
      for (const k of ['lat', 'lng', 'unc', 'x', 'y'] as const) assert.equal(o[k], null, k);
    });

    it('floor = the first non-empty apFloors entry; none → null', () => {
      const floor = (apFloors: unknown): string | null => run(v2([v2obs()], { apFloors }))[0].floor;
      assert.equal(floor(['', 'Floor 2', 'Floor 3']), 'Floor 2');
      assert.equal(floor([null, 7, 'B']), 'B');
      assert.equal(floor([]), null);
      assert.equal(floor(['']), null);
      assert.equal(floor('Floor 2'), null);
      assert.equal(floor(undefined), null);
    });

    it('apMac = data.apMac normalised; a bad one → null (the observation is kept)', () => {
      assert.equal(run(v2([v2obs()], { apMac: 'E0-55-3D-10-4A-C1' }))[0].apMac, AP_C1);
      assert.equal(run(v2([v2obs()], { apMac: 'nope' }))[0].apMac, null);
      assert.equal(run(v2([v2obs()], { apMac: undefined }))[0].apMac, null);
    });

    it('client MACs in any case/separator → lower-case colon form', () => {
      assert.equal(run(v2([v2obs({ clientMac: '3C-22-FB-8E-19-0A' })]))[0].clientMac, '3c:22:fb:8e:19:0a');
      assert.equal(run(v2([v2obs({ clientMac: '3C22.FB8E.190A' })]))[0].clientMac, '3c:22:fb:8e:19:0a');
    });

    it('a negative rssi (dBm) in v2 is converted; a positive one is kept as it is; string numbers are read', () => {
      const a = run(v2([v2obs({ rssi: -60 })]))[0];
      assert.deepEqual([a.rssi, a.rssiDbm], [35, -60]);
      const b = run(v2([v2obs({ rssi: 47 })]))[0];
      assert.deepEqual([b.rssi, b.rssiDbm], [47, null]);
      const c = run(v2([v2obs({ rssi: '-71' })]))[0];
      assert.deepEqual([c.rssi, c.rssiDbm], [24, -71]);
      const d = run(v2([v2obs({ rssi: 0 })]))[0];
      assert.deepEqual([d.rssi, d.rssiDbm], [0, null]);
    });

    it('networkId is null in v2 even if present as a non-string; radio and version come from the post', () => {
      const list = run({ ...v2([v2obs()], {}, 'BluetoothDevicesSeen'), version: '2.1' });
      assert.equal(list[0].networkId, null);
      assert.equal(list[0].radio, 'ble');
      assert.equal(list[0].version, '2.1');
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('normalise: v3 rules', () => {
    it('one observation per location; apMac = the strongest rssiRecords entry wherever it is in the list', () => {
      const list = run(v3([{
        clientMac: 'AA:BB:CC:DD:EE:01',
        locations: [
          v3loc({ time: '2024-06-20T08:00:01Z', rssiRecords: [{ apMac: AP_C7, rssi: -70 }, { apMac: AP_B02, rssi: -52 }, { apMac: AP_C1, rssi: -60 }] }),
          v3loc({ time: '2024-06-20T08:00:02Z', rssiRecords: [{ apMac: AP_C1, rssi: '-40' }, { apMac: AP_C7, rssi: -41 }] }),
        ],
        latestRecord: { time: '2024-06-20T08:00:02Z', nearestApMac: AP_C7, nearestApRssi: -1 },
      }]));
      assert.equal(list.length, 2);
      assert.deepEqual(list.map((o) => [o.clientMac, o.apMac, o.rssi, o.rssiDbm]), [
        ['aa:bb:cc:dd:ee:01', AP_B02, 43, -52],
        ['aa:bb:cc:dd:ee:01', AP_C1, 55, -40],
      ]);
    });

    it('rssiRecords entries with a bad MAC or no rssi are skipped when choosing the nearest AP', () => {
      const [o] = run(v3([{
        clientMac: 'aa:bb:cc:dd:ee:01',
        locations: [v3loc({ rssiRecords: [{ apMac: 'bad', rssi: -10 }, { apMac: AP_C7, rssi: 'NaN' }, null, 'x', { apMac: AP_B02, rssi: -77 }] })],
      }]));
      assert.equal(o.apMac, AP_B02);
      assert.equal(o.rssi, 18);
      assert.equal(o.rssiDbm, -77);
    });

    it('x/y: flat fields (string numbers) or the nested floorPlan; floor from floorPlanName or floorPlan.name; unc from variance', () => {
      const flat = run(v3([{ clientMac: 'aa:bb:cc:dd:ee:01', locations: [v3loc({ x: '12.5', y: '7.25', variance: '3.5', floorPlanName: 'Flat' })] }]))[0];
      assert.deepEqual([flat.x, flat.y, flat.unc, flat.floor], [12.5, 7.25, 3.5, 'Flat']);
      const nested = run(v3([{
        clientMac: 'aa:bb:cc:dd:ee:01',
        locations: [v3loc({ x: undefined, y: undefined, floorPlanName: undefined, variance: 1.25, floorPlan: { id: 'g', name: 'Nested', x: 3, y: '4.5' } })],
      }]))[0];
      assert.deepEqual([nested.x, nested.y, nested.unc, nested.floor], [3, 4.5, 1.25, 'Nested']);
      const none = run(v3([{
        clientMac: 'aa:bb:cc:dd:ee:01', locations: [v3loc({ x: 'NaN', y: null, variance: undefined, floorPlanName: undefined, lat: 'NaN', lng: 'NaN' })],
      }]))[0];
      assert.deepEqual([none.x, none.y, none.unc, none.floor, none.lat, none.lng], [null, null, null, null, null, null]);
    });

    it('a client with no locations → one observation from latestRecord (string rssi, ISO time)', () => {
      for (const locations of [[], undefined, null, 'none']) {
        const st = stats();
        const list = run(v3([{
          clientMac: 'aa:bb:cc:dd:ee:02', ssid: 'S', locations,
          latestRecord: { time: '2024-06-20T08:00:57Z', nearestApMac: 'E0553D104AC7', nearestApRssi: '-81' },
        }]), st);
        assert.equal(list.length, 1, JSON.stringify(locations));
        const o = list[0];
        assert.deepEqual([o.ts, o.apMac, o.rssi, o.rssiDbm, o.ssid], [1718870457000, AP_C7, 14, -81, 'S']);
        assert.deepEqual([o.lat, o.lng, o.unc, o.x, o.y, o.floor], [null, null, null, null, null, null]);
        assert.deepEqual(st, { read: 1, invalid: 0, duplicates: 0 });
      }
    });

    it('latestRecord.time as epoch seconds (number or string) or ms', () => {
      for (const time of [1718870457, '1718870457', 1718870457000, '2024-06-20T08:00:57Z', '2024-06-20T08:00:57.000Z']) {
        const [o] = run(v3([{ clientMac: 'aa:bb:cc:dd:ee:02', locations: [], latestRecord: { time, nearestApMac: AP_C7, nearestApRssi: -81 } }]));
        assert.equal(o.ts, 1718870457000, JSON.stringify(time));
        assert.equal(o.time, '2024-06-20T08:00:57.000Z');
      }
    });

    it('a location time as epoch seconds is read too', () => {
      const [o] = run(v3([{ clientMac: 'aa:bb:cc:dd:ee:02', locations: [v3loc({ time: 1718870421 })] }]));
      assert.equal(o.ts, 1718870421000);
    });

    it('latestRecord is not used when there are usable locations', () => {
      const list = run(fixture('B-6'));
      assert.equal(list.length, 2);
      assert.ok(list.every((o) => o.lat !== null));
    });

    it('latestRecord with no usable time or rssi → invalid; with no AP MAC → apMac null', () => {
      const st = stats();
      const list = run(v3([
        { clientMac: 'aa:bb:cc:dd:ee:01', locations: [], latestRecord: { nearestApMac: AP_C7, nearestApRssi: -50 } },
        { clientMac: 'aa:bb:cc:dd:ee:02', locations: [], latestRecord: { time: '2024-06-20T08:00:57Z', nearestApMac: AP_C7, nearestApRssi: 'x' } },
        { clientMac: 'aa:bb:cc:dd:ee:03', locations: [], latestRecord: 'x' },
        { clientMac: 'aa:bb:cc:dd:ee:04', locations: [] },
        { clientMac: 'aa:bb:cc:dd:ee:05', locations: [], latestRecord: { time: '2024-06-20T08:00:57Z', nearestApRssi: -50 } },
      ]), st);
      assert.equal(list.length, 1);
      assert.equal(list[0].clientMac, 'aa:bb:cc:dd:ee:05');
      assert.equal(list[0].apMac, null);
      assert.deepEqual(st, { read: 5, invalid: 4, duplicates: 0 });
    });

    it('a positive v3 rssi is kept on the v2 scale (rssiDbm null)', () => {
      const [o] = run(v3([{ clientMac: 'aa:bb:cc:dd:ee:01', locations: [v3loc({ rssiRecords: [{ apMac: AP_C1, rssi: 40 }] })] }]));
      assert.deepEqual([o.rssi, o.rssiDbm], [40, null]);
    });

    it('v3 BLE types (BLE, Bluetooth, BluetoothDevicesSeen) → radio ble', () => {
      for (const type of ['BLE', 'Bluetooth', 'BluetoothDevicesSeen']) {
        const [o] = run({ ...fx('B-9'), type });
        assert.equal(o.radio, 'ble', type);
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('normalise: duplicates, invalid entries, hostile input', () => {
    it('dedups on client + time within a post (v2), keeping the strongest; duplicates counted', () => {
      const st = stats();
      const list = run(v2([
        v2obs({ rssi: 20, ssid: 'first' }),
        v2obs({ rssi: 30, ssid: 'strongest' }),
        v2obs({ rssi: 25, ssid: 'third' }),
        v2obs({ clientMac: '3C:22:FB:8E:19:0A', rssi: 10, ssid: 'same device, other spelling' }),
        v2obs({ seenEpoch: 1718870432, rssi: 5, ssid: 'other time' }),
        v2obs({ clientMac: 'aa:aa:aa:aa:aa:aa', rssi: 1, ssid: 'other client' }),
      ]), st);
      assert.deepEqual(list.map((o) => [o.clientMac, o.ts, o.rssi, o.ssid]), [
        ['3c:22:fb:8e:19:0a', 1718870431000, 30, 'strongest'],
        ['3c:22:fb:8e:19:0a', 1718870432000, 5, 'other time'],
        ['aa:aa:aa:aa:aa:aa', 1718870431000, 1, 'other client'],
      ]);
      assert.deepEqual(st, { read: 6, invalid: 0, duplicates: 3 });
    });

    it('dedup compares converted values: -60 dBm (35) beats 30', () => {
      const list = run(v2([v2obs({ rssi: 30 }), v2obs({ rssi: -60 }), v2obs({ rssi: -80 })]));
      assert.equal(list.length, 1);
      assert.deepEqual([list[0].rssi, list[0].rssiDbm], [35, -60]);
    });

    it('seenEpoch and the same instant in ms are one time', () => {
      const list = run(v2([v2obs({ seenEpoch: 1718870431, rssi: 20 }), v2obs({ seenEpoch: 1718870431000, rssi: 40 })]));
      assert.equal(list.length, 1);
      assert.equal(list[0].rssi, 40);
    });

    it('dedups v3 locations with the same time, keeping the strongest', () => {
      const st = stats();
      const list = run(v3([{
        clientMac: 'aa:bb:cc:dd:ee:01',
        locations: [
          v3loc({ rssiRecords: [{ apMac: AP_C1, rssi: -70 }] }),
          v3loc({ rssiRecords: [{ apMac: AP_C7, rssi: -50 }] }),
          v3loc({ time: '2024-06-20T08:00:22Z', rssiRecords: [{ apMac: AP_C1, rssi: -90 }] }),
        ],
      }, {
        clientMac: 'AA-BB-CC-DD-EE-01',
        locations: [v3loc({ rssiRecords: [{ apMac: AP_B02, rssi: -60 }] })],
      }]), st);
      assert.deepEqual(list.map((o) => [o.ts, o.apMac, o.rssi]), [[1718870421000, AP_C7, 45], [1718870422000, AP_C1, 5]]);
      assert.deepEqual(st, { read: 4, invalid: 0, duplicates: 2 });
    });

    it('invalid v2 entries are counted and skipped: bad MAC, no time, no rssi, non-objects', () => {
      const st = stats();
      const list = run(v2([
        v2obs({ clientMac: 'zz:22:fb:8e:19:0a' }),
        v2obs({ clientMac: '3c:22:fb:8e:19' }),
        v2obs({ clientMac: undefined }),
        v2obs({ clientMac: 42 }),
        v2obs({ seenEpoch: undefined, seenTime: undefined }),
        v2obs({ seenEpoch: 'yesterday', seenTime: undefined }),
        v2obs({ seenEpoch: -5 }),
        v2obs({ seenEpoch: undefined, seenTime: 'not a time' }),
        v2obs({ rssi: undefined }),
        v2obs({ rssi: null }),
        v2obs({ rssi: 'strong' }),
        v2obs({ rssi: 'NaN' }),
        v2obs({ rssi: {} }),
        42, null, 'text', [], true,
        v2obs({ clientMac: 'aa:aa:aa:aa:aa:aa' }),
      ]), st);
      assert.equal(list.length, 1);
      assert.equal(list[0].clientMac, 'aa:aa:aa:aa:aa:aa');
      assert.deepEqual(st, { read: 19, invalid: 18, duplicates: 0 });
    });

    it('invalid v3 entries are counted and skipped (bad client, bad location, non-object location)', () => {
      const st = stats();
      const list = run(v3([
        42,
        null,
        { clientMac: 'bad', locations: [v3loc()] },
        { clientMac: 'aa:bb:cc:dd:ee:01', locations: [v3loc({ time: undefined }), 'x', null] },
        { clientMac: 'aa:bb:cc:dd:ee:02', locations: [v3loc({ rssiRecords: [] })] },
        { clientMac: 'aa:bb:cc:dd:ee:03', locations: [v3loc()] },
      ]), st);
      assert.deepEqual(list.map((o) => o.clientMac), ['aa:bb:cc:dd:ee:03']);
      // 2 non-objects; bad client: 1 location + its (missing) latestRecord; client 01: 3 locations + latestRecord;
      // client 02: a location with no signal + latestRecord; client 03: 1 good location.
      assert.deepEqual(st, { read: 11, invalid: 10, duplicates: 0 });
    });

    it('observations not an array → [] (and nothing counted)', () => {
      for (const observations of [undefined, null, {}, { 0: v2obs() }, 'x', 5]) {
        for (const body of [v2(observations), v3(observations)]) {
          const st = stats();
          assert.deepEqual(run(body, st), [], JSON.stringify(observations));
          assert.deepEqual(st, { read: 0, invalid: 0, duplicates: 0 });
        }
      }
    });

    it('stats are added to, not reset, and are optional', () => {
      const st = { read: 10, invalid: 1, duplicates: 2 };
      run(fixture('B-1'), st);
      assert.deepEqual(st, { read: 12, invalid: 1, duplicates: 2 });
      assert.equal(run(fixture('B-1')).length, 2);
    });

    it('huge strings are cut to 256 characters', () => {
      const big = (c: string): string => c.repeat(100_000);
      const [o] = run(v2([v2obs({ ssid: big('s'), manufacturer: big('m'), os: big('o'), ipv4: 'host/' + big('1') })], { apFloors: [big('f')] }));
      assert.equal(o.ssid, 's'.repeat(256));
      assert.equal(o.manufacturer, 'm'.repeat(256));
      assert.equal(o.os, 'o'.repeat(256));
      assert.equal(o.ipv4, '1'.repeat(256));
      assert.equal(o.floor, 'f'.repeat(256));
      const body = v3([{ clientMac: 'aa:bb:cc:dd:ee:01', ssid: big('é'), locations: [v3loc({ floorPlanName: big('n') })] }]);
      (body.data as Record<string, unknown>).networkId = big('N');
      const [p] = run(body);
      assert.equal(p.ssid, 'é'.repeat(256));
      assert.equal(p.floor, 'n'.repeat(256));
      assert.equal(p.networkId, 'N'.repeat(256));
      const [q] = run(v3([{ clientMac: 'aa:bb:cc:dd:ee:01', locations: [v3loc({ floorPlanName: undefined, floorPlan: { name: big('p') } })] }]));
      assert.equal(q.floor, 'p'.repeat(256));
    });

    it('huge numeric strings and MACs are not read as values', () => {
      const st = stats();
      const list = run(v2([
        v2obs({ clientMac: '3c:22:fb:8e:19:0a' + ' '.repeat(100_000) }),
        v2obs({ rssi: '0'.repeat(100_000) + '30' }),
        v2obs({ clientMac: 'aa:aa:aa:aa:aa:aa', location: { lat: '0'.repeat(1000) + '1', lng: 0, unc: 0, x: [], y: [] } }),
      ]), st);
      assert.equal(list.length, 1);
      assert.equal(list[0].lat, null);
      assert.equal(st.invalid, 2);
    });

    it('deeply nested arrays where a number is expected do not break normalise', () => {
      const deep = JSON.parse('['.repeat(200_000) + '38' + ']'.repeat(200_000));
      const body = v2([
        v2obs({ rssi: deep }),
        v2obs({ clientMac: 'aa:aa:aa:aa:aa:aa', location: { lat: deep, lng: deep, unc: deep, x: deep, y: deep } }),
      ]);
      let list: Observation[] = [];
      assert.doesNotThrow(() => { list = run(body); });
      const good = list.find((o) => o.clientMac === 'aa:aa:aa:aa:aa:aa');
      assert.ok(good, 'the other observation still comes through');
      for (const o of list) checkShape(o);
      const v3body = v3([{ clientMac: 'aa:bb:cc:dd:ee:01', locations: [v3loc({ x: deep, rssiRecords: [{ apMac: AP_C1, rssi: deep }] })], latestRecord: { time: 1718870457, nearestApRssi: deep } }]);
      assert.doesNotThrow(() => { list = run(v3body); });
      for (const o of list) checkShape(o);
    });

    it('prototype keys in the body ("__proto__", "constructor") do not leak into observations', () => {
      const text = `{"version": "2.0", "secret": "${SECRET}", "type": "DevicesSeen",
        "data": {"apMac": "${AP_C1}", "apFloors": {"__proto__": ["Evil floor"]},
          "observations": [
            {"__proto__": {"ssid": "evil", "os": "evil", "isAdmin": true}, "constructor": {"prototype": {"polluted": 1}},
             "clientMac": "3c:22:fb:8e:19:0a", "seenEpoch": 1718870431, "rssi": 30,
             "location": {"__proto__": {"lat": 1, "x": [2]}, "constructor": 5}},
            {"__proto__": {"clientMac": "aa:aa:aa:aa:aa:aa", "seenEpoch": 1718870431, "rssi": 30}}
          ]}}`;
      const st = stats();
      const list = run(JSON.parse(text), st);
      assert.equal(list.length, 1);
      const o = list[0];
      checkShape(o);
      assert.deepEqual([o.ssid, o.os, o.lat, o.x, o.floor], [null, null, null, null, null]);
      assert.equal((o as unknown as Record<string, unknown>).isAdmin, undefined);
      assert.equal(({} as Record<string, unknown>).isAdmin, undefined, 'Object.prototype untouched');
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
      assert.deepEqual(st, { read: 2, invalid: 1, duplicates: 0 });
    });

    it('a "__proto__" key holding the observations list is not read (v2 and v3)', () => {
      for (const body of [
        `{"version":"2.0","secret":"${SECRET}","type":"DevicesSeen","data":{"__proto__":{"observations":[{"clientMac":"3c:22:fb:8e:19:0a","seenEpoch":1718870431,"rssi":30}]}}}`,
        `{"version":"3.0","secret":"${SECRET}","type":"WiFi","data":{"observations":[{"clientMac":"3c:22:fb:8e:19:0a","__proto__":{"locations":[{"time":"2024-06-20T08:00:21Z","rssiRecords":[{"apMac":"${AP_C1}","rssi":-40}]}]}}]}}`,
      ]) {
        assert.deepEqual(run(JSON.parse(body)), []);
      }
    });

    it('v3 location with "__proto__"/"constructor" keys: values do not come from them', () => {
      const text = `{"version":"3.0","secret":"${SECRET}","type":"WiFi","data":{"networkId":"${NET}","observations":[
        {"clientMac":"3c:22:fb:8e:19:0a","constructor":"x","__proto__":{"ssid":"evil"},"locations":[
          {"time":"2024-06-20T08:00:21Z","__proto__":{"x":1,"y":2,"floorPlanName":"evil","variance":3},
           "floorPlan":{"__proto__":{"x":5,"name":"evil"}},
           "rssiRecords":[{"__proto__":{"apMac":"${AP_C7}","rssi":-1}},{"apMac":"${AP_C1}","rssi":-40}]}]}]}}`;
      const [o] = run(JSON.parse(text));
      checkShape(o);
      assert.deepEqual([o.ssid, o.x, o.y, o.floor, o.unc, o.apMac, o.rssi], [null, null, null, null, null, AP_C1, 55]);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('observationFilter / keep', () => {
    function obsWith(over: Partial<Observation>): Observation {
      return { ...run(fixture('B-1'))[0], ...over };
    }

    it('defaults: minRssi 15, every AP, both radios', () => {
      assert.equal(DEFAULT_MIN_RSSI, 15);
      for (const options of [undefined, {}, { minRssi: undefined, apMacs: undefined, radio: undefined }, { minRssi: null, apMacs: null, radio: null }, { minRssi: '', apMacs: '', radio: '' }]) {
        const f = observationFilter(options);
        assert.equal(f.minRssi, 15);
        assert.equal(f.apMacs.size, 0);
        assert.equal(f.radio, 'both');
      }
    });

    it('minRssi is inclusive at 15: 14 dropped, 15 kept', () => {
      const f = observationFilter();
      assert.equal(keep(obsWith({ rssi: 14 }), f), false);
      assert.equal(keep(obsWith({ rssi: 14.99 }), f), false);
      assert.equal(keep(obsWith({ rssi: 15 }), f), true);
      assert.equal(keep(obsWith({ rssi: 16 }), f), true);
      assert.equal(keep(obsWith({ rssi: -5, rssiDbm: -100 }), f), false);
    });

    it('custom thresholds, numbers or numeric strings', () => {
      for (const [minRssi, value] of [[20, 20], ['20', 20], [' 20 ', 20], ['0', 0], [0, 0], [-10, -10], ['12.5', 12.5]] as [unknown, number][]) {
        const f = observationFilter({ minRssi });
        assert.equal(f.minRssi, value, JSON.stringify(minRssi));
        assert.equal(keep(obsWith({ rssi: value }), f), true);
        assert.equal(keep(obsWith({ rssi: value - 1 }), f), false);
      }
    });

    it('a blank threshold is the default, not 0', () => {
      for (const minRssi of [' ', '\t', ' \n ']) {
        assert.equal(observationFilter({ minRssi }).minRssi, 15, JSON.stringify(minRssi));
      }
    });

    it('a threshold that is not a number throws a readable error', () => {
      for (const minRssi of ['abc', '15dB', NaN, Infinity, {}, 'Infinity']) {
        assert.throws(() => observationFilter({ minRssi }), /RSSI threshold must be a number/, String(minRssi));
      }
    });

    it('AP MAC list in any case and separator, split on spaces, commas, semicolons and new lines', () => {
      const f = observationFilter({ apMacs: ' E0-55-3D-10-4A-C1,e055.3d10.4ac7\nE0553D104B02 ;\r\n , ' });
      assert.deepEqual([...f.apMacs].sort(), [AP_C1, AP_C7, AP_B02].sort());
      const g = observationFilter({ apMacs: ['E0:55:3D:10:4A:C1', ' e0-55-3d-10-4a-c7 ', '', '  '] });
      assert.deepEqual([...g.apMacs].sort(), [AP_C1, AP_C7].sort());
      const h = observationFilter({ apMacs: 'AABB.CCDD.EEFF' });
      assert.deepEqual([...h.apMacs], ['aa:bb:cc:dd:ee:ff']);
    });

    it('an invalid MAC in the list throws an error naming it', () => {
      assert.throws(() => observationFilter({ apMacs: `${AP_C1}, e0:55:3d:10:4a` }), (err: Error) => {
        assert.match(err.message, /"e0:55:3d:10:4a" is not a MAC address/);
        return true;
      });
      assert.throws(() => observationFilter({ apMacs: 'lobby' }), /"lobby" is not a MAC address/);
      assert.throws(() => observationFilter({ apMacs: ['zz:zz:zz:zz:zz:zz'] }), /not a MAC address/);
    });

    it('AP list: kept only from listed APs; an observation without AP is dropped when there is a list', () => {
      const f = observationFilter({ apMacs: AP_C1.toUpperCase() });
      assert.equal(keep(obsWith({ apMac: AP_C1 }), f), true);
      assert.equal(keep(obsWith({ apMac: AP_C7 }), f), false);
      assert.equal(keep(obsWith({ apMac: null }), f), false);
      assert.equal(keep(obsWith({ apMac: null }), observationFilter()), true);
    });

    it('radio wifi / ble / both', () => {
      const wifi = obsWith({ radio: 'wifi' });
      const ble = obsWith({ radio: 'ble' });
      assert.deepEqual([keep(wifi, observationFilter({ radio: 'wifi' })), keep(ble, observationFilter({ radio: 'wifi' }))], [true, false]);
      assert.deepEqual([keep(wifi, observationFilter({ radio: 'ble' })), keep(ble, observationFilter({ radio: 'ble' }))], [false, true]);
      assert.deepEqual([keep(wifi, observationFilter({ radio: 'both' })), keep(ble, observationFilter({ radio: 'both' }))], [true, true]);
      assert.equal(observationFilter({ radio: 'anything else' }).radio, 'both');
    });

    it('all conditions must hold', () => {
      const f = observationFilter({ minRssi: 20, apMacs: AP_C1, radio: 'wifi' });
      assert.equal(keep(obsWith({ rssi: 20, apMac: AP_C1, radio: 'wifi' }), f), true);
      assert.equal(keep(obsWith({ rssi: 19, apMac: AP_C1, radio: 'wifi' }), f), false);
      assert.equal(keep(obsWith({ rssi: 20, apMac: AP_C7, radio: 'wifi' }), f), false);
      assert.equal(keep(obsWith({ rssi: 20, apMac: AP_C1, radio: 'ble' }), f), false);
    });

    it('on the example posts with the defaults: exactly the observations with rssi ≥ 15 remain', () => {
      const f = observationFilter();
      const kept: Record<string, string[]> = {};
      for (const name of FIXTURES) kept[name] = run(fixture(name)).filter((o) => keep(o, f)).map((o) => `${o.clientMac}@${o.rssi}`);
      assert.deepEqual(kept, {
        'B-1': ['3c:22:fb:8e:19:0a@38'],
        'B-2': ['f8:ff:c2:01:7d:33@52'],
        'B-3': ['c2:7d:91:0e:44:a8@24'],
        'B-4': ['e6:3a:11:9b:02:5c@31'],
        'B-5': ['3c:22:fb:8e:19:0a@41'],
        'B-6': ['3c:22:fb:8e:19:0a@46', '3c:22:fb:8e:19:0a@48'],
        'B-7': [],
        'B-8': ['3c:22:fb:8e:19:0a@50'],
        'B-9': ['c2:7d:91:0e:44:a8@29'],
        'B-10': [],
        'B-11': [],
      });
    });

    it('v3: the AP compared is the nearest AP (strongest record), not any AP that heard the client', () => {
      const list = run(fixture('B-6'));
      // e0:55:3d:10:4a:c7 heard the client in both locations, but was never the nearest.
      assert.equal(list.filter((o) => keep(o, observationFilter({ apMacs: AP_C7 }))).length, 0);
      assert.equal(list.filter((o) => keep(o, observationFilter({ apMacs: AP_C1 }))).length, 2);
      assert.equal(run(fixture('B-9')).filter((o) => keep(o, observationFilter({ apMacs: AP_B02 }))).length, 0);
      // Without locations, the latestRecord's nearest AP.
      const b7 = run(fixture('B-7'));
      assert.equal(b7.filter((o) => keep(o, observationFilter({ apMacs: AP_C7, minRssi: 0 }))).length, 1);
      assert.equal(b7.filter((o) => keep(o, observationFilter({ apMacs: AP_C1, minRssi: 0 }))).length, 0);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('property: mutated example posts', () => {
    type Path = (string | number)[];
    // Built afresh for every use: mutations must not change values shared between runs.
    const nastyValues = (): unknown[] => [
      null, undefined, 'NaN', '', ' ', '-47', '47', -1e300, 1e300, 0, -0, 1e11, 8.64e15, 8.64e15 + 1, -1, 1.5, true, false,
      [], {}, [[]], [null], ['NaN'], ['1', 2], '2024-06-20T08:00:21Z', '2024-06-20T08:00:21', '9999-12-31T23:59:59.999Z',
      '+275760-09-13T00:00:00Z', '1718870431', 1718870431, '3C-22-FB-8E-19-0A', 'e0553d104ac7', '__proto__', 'constructor',
      'x'.repeat(300), '9'.repeat(40), { __proto__: null, a: 1 }, Object.create(null), [[[[[[38]]]]]],
    ];
    const nasty = fc.oneof(
      fc.nat({ max: nastyValues().length - 1 }).map((i) => nastyValues()[i]),
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ maxLength: 40 }),
      fc.double(),
      fc.integer(),
    );
    const op = fc.record({
      pick: fc.nat(),
      kind: fc.constantFrom('replace', 'delete', 'wrapArray', 'wrapObject', 'addKey'),
      key: fc.constantFrom('__proto__', 'constructor', 'x', 'rssi', 'time', 'locations', 'observations', 'toString'),
      value: nasty,
    });

    function paths(root: unknown): { parent: Record<string | number, unknown>; key: string | number }[] {
      const out: { parent: Record<string | number, unknown>; key: string | number }[] = [];
      const walk = (v: unknown): void => {
        if (typeof v !== 'object' || v === null) return;
        for (const k of Object.keys(v)) {
          out.push({ parent: v as Record<string, unknown>, key: Array.isArray(v) ? Number(k) : k });
          walk((v as Record<string, unknown>)[k]);
        }
      };
      walk(root);
      return out;
    }

    function define(target: object, key: string | number, value: unknown): void {
      Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    }

    function mutate(root: Record<string, unknown>, ops: { pick: number; kind: string; key: string; value: unknown }[]): void {
      for (const o of ops) {
        const all = paths(root);
        if (all.length === 0) return;
        const { parent, key } = all[o.pick % all.length];
        const current = parent[key];
        switch (o.kind) {
          case 'replace': define(parent, key, o.value); break;
          case 'delete':
            if (Array.isArray(parent)) parent.splice(key as number, 1);
            else delete parent[key];
            break;
          case 'wrapArray': define(parent, key, [current]); break;
          case 'wrapObject': define(parent, key, { [o.key]: current }); break;
          case 'addKey':
            // Named keys only on objects: JSON cannot give an array one.
            if (typeof current === 'object' && current !== null && !Array.isArray(current)) define(current, o.key, o.value);
            else if (!Array.isArray(parent)) define(parent, o.key, o.value);
            break;
        }
      }
    }

    const originals = new Map(FIXTURES.map((name) => [name, JSON.stringify(fixture(name))]));

    it('normalise() and checkPost() never throw; every observation is well formed', function () {
      this.timeout(60_000); // CPU-bound, no timing involved: only a slow machine's guard
      fc.assert(
        fc.property(fc.constantFrom(...FIXTURES), fc.array(op, { minLength: 1, maxLength: 8 }), (name, ops) => {
          const body = JSON.parse(originals.get(name)!) as Record<string, unknown>;
          mutate(body, ops);
          const verdict = checkPost(body, SECRET);
          const lists: Observation[][] = [];
          if (verdict.ok) lists.push(normalise(verdict.post, stats()));
          // Also normalise the mutated data directly as v2 and v3, whatever checkPost said.
          const data = typeof body.data === 'object' && body.data !== null && !Array.isArray(body.data) ? (body.data as Record<string, unknown>) : {};
          for (const major of [2, 3] as const) {
            lists.push(normalise({ version: String(major), major, radio: 'wifi', type: 'WiFi', data }, stats()));
          }
          for (const list of lists) for (const o of list) checkShape(o);
        }),
        { numRuns: 1500 },
      );
    });

    it('checkPost never throws on arbitrary values', function () {
      this.timeout(60_000);
      fc.assert(
        fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true }), fc.string(), (body, secret) => {
          const v = checkPost(body, secret);
          assert.ok(v.ok || v.status === 400 || v.status === 403);
        }),
        { numRuns: 1000 },
      );
    });

    it('random v2 observations: output count + invalid + duplicates = read', function () {
      this.timeout(60_000);
      const obsArb = fc.record({
        clientMac: fc.oneof(fc.constantFrom('3c:22:fb:8e:19:0a', 'AA-BB-CC-DD-EE-FF', 'bad'), fc.string()),
        seenEpoch: fc.oneof(fc.integer({ min: 1718870400, max: 1718870405 }), fc.constant(undefined), fc.string()),
        rssi: fc.oneof(fc.integer({ min: -100, max: 80 }), fc.constant('NaN'), fc.constant(undefined)),
      }, { requiredKeys: [] });
      fc.assert(
        fc.property(fc.array(fc.oneof(obsArb, fc.anything()), { maxLength: 30 }), (observations) => {
          const st = stats();
          const list = run(v2(observations), st);
          assert.equal(st.read, observations.length);
          assert.equal(list.length + st.invalid + st.duplicates, st.read);
          const keys = new Set(list.map((o) => o.clientMac + '|' + o.ts));
          assert.equal(keys.size, list.length, 'one observation per client and time');
          for (const o of list) checkShape(o);
        }),
        { numRuns: 500 },
      );
    });
  });
});
