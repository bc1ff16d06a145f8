/**
 * Scanning API posts for the CMX bench, shaped like the fixtures (test/fixtures/B-1.json: v2.0
 * DevicesSeen; B-6.json: v3 WiFi with locations). Every observation of a post is a distinct
 * client, well above the default RSSI threshold, so each one becomes exactly one stored row:
 * v2 rssi 20..59 (v2 scale), v3 strongest rssiRecord -40..-74 dBm (→ 55..21).
 */

export const SECRET = 's3cr3t-shared-value';
export const VALIDATOR = 'f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3';
export const CMX_COLUMNS = 'time,clientMac,apMac,rssi,ssid,manufacturer,os,ipv4,lat,lng,unc,x,y,floor,networkId,radio,version';
export const NETWORK_ID = 'L_646829496481105433';
/** networkId of the one big post (bench part 3), so its rows can be told apart at the sink */
export const BIG_NETWORK_ID = 'L_646829496481199999';

/** Three hours ago, to the minute: posts carry recent times, as Meraki's do (post k is k s later). */
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000;

const APS = ['e0:55:3d:10:4a:c1', 'e0:55:3d:10:4a:c7', 'e0:55:3d:10:4b:02', 'e0:55:3d:10:4b:1e', 'e0:55:3d:10:4c:30'];
const DEVICES: [string | null, string | null][] = [
  ['Apple', 'iOS'], ['Apple', 'Mac OS X'], ['Samsung', 'Android'], ['Google', 'Android'],
  ['Intel', 'Windows 10'], ['Dell', 'Windows 11'], ['Xiaomi', 'Android'], [null, null],
];
const SSIDS = ['Corp-WiFi', 'Guest', 'Corp-WiFi', null, 'IoT-Net'];

function hex2(n: number): string {
  return (n & 255).toString(16).padStart(2, '0');
}

/**
 * Devices the posts are about: BENCH_CMX_DEVICES (default 20,000, a busy site whose devices are
 * seen again and again; 0 = every observation a new device). Within a post the clients differ,
 * and no client is seen twice at the same time, so every observation is one stored row.
 */
export const DEVICES_SEEN = process.env.BENCH_CMX_DEVICES === undefined ? 20_000 : Number(process.env.BENCH_CMX_DEVICES);

/** A locally administered MAC: unique per (post, index), or the (post, index)-th of the device pool. */
function clientMac(post: number, i: number, n = 500): string {
  if (DEVICES_SEEN > 0) {
    const k = (post * n + i) % Math.max(DEVICES_SEEN, n);
    return `da:00:00:${hex2(k >> 16)}:${hex2(k >> 8)}:${hex2(k)}`;
  }
  return `da:${hex2(post >> 8)}:${hex2(post)}:${hex2(i >> 16)}:${hex2(i >> 8)}:${hex2(i)}`;
}

/** The "time,clientMac" of each row a mixed post of n observations gives (as in cmxData.csv). */
export function mixedRowKeys(post: number, n: number): string[] {
  const p = mixedPost(post, n) as { data: { observations: any[] } };
  return p.data.observations.map((o) =>
    o.locations ? `${new Date(Date.parse(o.locations[0].time)).toISOString()},${o.clientMac}` : `${new Date(o.seenEpoch * 1000).toISOString()},${o.clientMac}`,
  );
}

/** v2.0 DevicesSeen post (one AP) with n observations. */
export function v2Post(post: number, n: number): object {
  const ap = APS[post % APS.length];
  const observations = new Array<object>(n);
  const baseMs = T0 + post * 1000;
  for (let i = 0; i < n; i++) {
    const [manufacturer, os] = DEVICES[i % DEVICES.length];
    const seenMs = baseMs - (i % 60) * 1000;
    observations[i] = {
      clientMac: clientMac(post, i, n),
      ipv4: i % 3 === 0 ? null : `/10.20.${(i >> 8) & 255}.${i & 255}`,
      ipv6: null,
      seenTime: new Date(seenMs).toISOString().replace('.000Z', 'Z'),
      seenEpoch: Math.floor(seenMs / 1000),
      ssid: SSIDS[i % SSIDS.length],
      os,
      manufacturer,
      rssi: 20 + ((i * 7) % 40),
      location: {
        lat: 51.5072813 + (i % 97) * 1e-6,
        lng: -0.1277633 - (i % 89) * 1e-6,
        unc: 1.5 + (i % 40) / 4,
        x: [Math.round((5 + (i % 50) * 0.7) * 100) / 100],
        y: [Math.round((3 + (i % 30) * 0.5) * 100) / 100],
      },
    };
  }
  return {
    version: '2.0',
    secret: SECRET,
    type: 'DevicesSeen',
    data: { apMac: ap, apTags: ['', 'floor2', 'lobby'], apFloors: ['HQ - Floor 2'], observations },
  };
}

/** v3.0 WiFi post with n clients, one location each (three rssiRecords). */
export function v3Post(post: number, n: number, networkId = NETWORK_ID): object {
  const observations = new Array<object>(n);
  const baseMs = T0 + post * 1000;
  for (let i = 0; i < n; i++) {
    const [manufacturer, os] = DEVICES[(i + 3) % DEVICES.length];
    const time = new Date(baseMs - (i % 60) * 1000).toISOString().replace('.000Z', 'Z');
    const best = -40 - ((i * 11) % 35);
    const a = (i + post) % APS.length;
    observations[i] = {
      clientMac: DEVICES_SEEN > 0 ? clientMac(post, i, n) : clientMac(post + 0x8000, i),
      ipv4: i % 4 === 0 ? null : `10.20.${(i >> 8) & 255}.${i & 255}`,
      ipv6: null,
      ssid: SSIDS[(i + 1) % SSIDS.length],
      os,
      manufacturer,
      userId: null,
      locations: [
        {
          time,
          lat: 51.50728 + (i % 97) * 1e-6,
          lng: -0.12776 - (i % 89) * 1e-6,
          x: ((5 + (i % 50) * 0.7)).toFixed(2),
          y: ((3 + (i % 30) * 0.5)).toFixed(2),
          variance: 1.5 + (i % 40) / 8,
          floorPlanId: 'g_646829496481107001',
          floorPlanName: 'HQ - Floor 2',
          nearestApTags: ['floor2', 'lobby'],
          rssiRecords: [
            { apMac: APS[a], rssi: best },
            { apMac: APS[(a + 1) % APS.length], rssi: best - 9 },
            { apMac: APS[(a + 2) % APS.length], rssi: best - 17 },
          ],
        },
      ],
      latestRecord: { time, nearestApMac: APS[a], nearestApRssi: best },
    };
  }
  return { version: '3.0', secret: SECRET, type: 'WiFi', data: { networkId, observations } };
}

/** Post number `post` of a mixed stream: even = v2 DevicesSeen, odd = v3 WiFi. */
export function mixedPost(post: number, n: number): object {
  return post % 2 === 0 ? v2Post(post, n) : v3Post(post, n);
}

/** A v3 post of about `bytes` bytes of JSON; returns its text and observation count. */
export function bigV3Post(bytes: number, post = 0xbeef): { text: string; observations: number } {
  const per = Buffer.byteLength(JSON.stringify(v3Post(post, 1000, BIG_NETWORK_ID))) / 1000;
  const n = Math.floor(bytes / per);
  return { text: JSON.stringify(v3Post(post, n, BIG_NETWORK_ID)), observations: n };
}
