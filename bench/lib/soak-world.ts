/**
 * The site of the soak bench (bench/soak.ts): 40 MV cameras with the whole frame and four zones
 * each (200 MQTT count topics), spread over four networks as demo/simulator.ts models them
 * (demoNetworks: one AP beside each camera plus two more per network; networks alternate
 * Scanning API v2, posted per AP, and v3, posted per network). Shared by the parent (fake
 * Dashboard API, CAMERA_APS) and the load child (topics, posts), so that both agree.
 *
 * Scanning API "scopes", each posting once a minute: every AP of a v2 network (8 + 8) and the
 * WiFi and BLE streams of each v3 network (2 + 2): 20 posts a minute.
 */
import type { DemoCamera } from '../../demo/cameras';
import { cameraApMap, demoNetworks, type Ap, type Network } from '../../demo/simulator';

/** network id → cameras in it, in order (v2, v3, v2, v3 by position) */
const LAYOUT: [string, number][] = [
  ['L_646829496481106001', 6],
  ['L_646829496481106002', 12],
  ['L_646829496481106003', 6],
  ['L_646829496481106004', 16],
];

const MODELS = ['MV12WE', 'MV22', 'MV72', 'MV32', 'MV63'];
const PLACES = ['Entrance', 'Checkout', 'Aisle', 'Café', 'Lift lobby', 'Stock room', 'Corridor', 'Meeting area'];
const ZONE_LABELS = ['Queue', 'Counter', 'Shelves', 'Doorway'];
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function serialOf(i: number): string {
  const c = (n: number, k: number) => LETTERS[(n * 7 + k * 13 + i * 3) % LETTERS.length];
  const part = (k: number) => [0, 1, 2, 3].map((j) => c(i + j * 5, k + j)).join('');
  return `Q2${'GJFE'[i % 4]}V-${part(1)}-${String(i).padStart(2, '0')}${part(2).slice(0, 2)}`;
}

/** 40 cameras, zones "0" (whole frame) and four numbered zones each. */
export function soakCameras(): DemoCamera[] {
  const out: DemoCamera[] = [];
  let i = 0;
  for (const [networkId, n] of LAYOUT) {
    for (let k = 0; k < n; k++, i++) {
      out.push({
        serial: serialOf(i),
        name: `${PLACES[i % PLACES.length]} ${Math.floor(i / PLACES.length) + 1}`,
        model: MODELS[i % MODELS.length],
        networkId,
        zones: [
          { id: '0', label: 'Full Frame' },
          ...ZONE_LABELS.map((label, z) => ({ id: `74703458819010${String(i * 4 + z).padStart(4, '0')}`, label })),
        ],
      });
    }
  }
  return out;
}

export interface Feed {
  serial: string;
  zone: string;
  topic: string;
  /** the AP beside the camera, and the scope that hears a device next to the camera */
  ap: Ap;
  scope: number;
}

export type Scope =
  | { kind: 'v2'; net: Network; ap: Ap }
  | { kind: 'v3-wifi'; net: Network }
  | { kind: 'v3-ble'; net: Network };

export interface Site {
  cameras: DemoCamera[];
  networks: Network[];
  feeds: Feed[];
  /** posting order: post k goes to scopes[k % scopes.length] */
  scopes: Scope[];
  /** CAMERA_APS, as demo/simulator.ts cameraApMap() writes it */
  cameraAps: string;
}

export function soakSite(): Site {
  const cameras = soakCameras();
  const networks = demoNetworks(cameras);
  const v2: Scope[] = [];
  const v3: Scope[] = [];
  for (const net of networks) {
    if (net.version === 2) for (const ap of net.aps) v2.push({ kind: 'v2', net, ap });
    else v3.push({ kind: 'v3-wifi', net }, { kind: 'v3-ble', net });
  }
  // v3 posts spread over the minute: one every fifth post
  const scopes: Scope[] = [];
  const every = Math.max(1, Math.round((v2.length + v3.length) / Math.max(1, v3.length)));
  while (v2.length || v3.length) {
    if (v3.length && (scopes.length % every === 0 || v2.length === 0)) scopes.push(v3.shift()!);
    else scopes.push(v2.shift()!);
  }
  const feeds: Feed[] = [];
  for (const cam of cameras) {
    const net = networks.find((n) => n.aps.some((a) => a.serial === cam.serial))!;
    const ap = net.aps.find((a) => a.serial === cam.serial)!;
    const scope = scopes.findIndex((s) => (s.kind === 'v2' ? s.ap === ap : s.kind === 'v3-wifi' && s.net === net));
    for (const z of cam.zones) feeds.push({ serial: cam.serial, zone: z.id, topic: `/merakimv/${cam.serial}/${z.id}`, ap, scope });
  }
  return { cameras, networks, feeds, scopes, cameraAps: cameraApMap(cameras) };
}
