/**
 * The demo's cameras: shared by the fake Dashboard API (device names, zone labels) and the
 * simulator (MQTT topics), so that the zone ids of both agree.
 */

export interface DemoZone {
  /** zone id as the Dashboard API gives it (a string; "0" = whole frame) */
  id: string;
  label: string;
}

/** A crossing line drawn on a camera (Areas & Lines); see crossings.ts for its traffic. */
export interface DemoLine {
  /** boundary id as the Dashboard API gives it */
  id: string;
  name: string;
  /** people through it in a busy hour, both ways */
  rate: number;
  /** drawn the other way round: its `crossing_in` leaves the building */
  reversed?: boolean;
}

export interface DemoCamera {
  serial: string;
  name: string;
  model: string;
  /** network the camera belongs to (default: one per two cameras, see cameraNetworkId) */
  networkId?: string;
  zones: DemoZone[];
  /** crossing lines (only the entrance camera has some) */
  lines?: DemoLine[];
}

/** A zone label from "a stranger": the dashboard must show it as text, never run it. */
export const HOSTILE_TEXT = '<img src=x onerror=alert(1)>';

export const DEMO_NETWORKS = ['L_646829496481105433', 'L_646829496481105434'] as const;

export const DEFAULT_CAMERAS: readonly DemoCamera[] = Object.freeze([
  {
    serial: 'Q2GV-7HJK-2LMN',
    name: 'Lobby entrance',
    model: 'MV12WE',
    networkId: DEMO_NETWORKS[0],
    zones: [
      { id: '0', label: 'Full Frame' },
      { id: '747034588190081129', label: 'Reception desk' },
      { id: '747034588190081130', label: HOSTILE_TEXT },
    ],
    lines: [
      { id: 'k74272e', name: 'Main entrance', rate: 150 },
      { id: 'k74272f', name: 'Side door', rate: 40, reversed: true },
      { id: 'k742730', name: HOSTILE_TEXT, rate: 8 },
    ],
  },
  {
    serial: 'Q2FV-3PQR-8STU',
    name: 'Café counter',
    model: 'MV22',
    networkId: DEMO_NETWORKS[0],
    zones: [
      { id: '0', label: 'Full Frame' },
      { id: '747034588190081131', label: 'Checkout queue' },
    ],
  },
  {
    serial: 'Q2JV-AB12-CD34',
    name: 'Store floor',
    model: 'MV72',
    networkId: DEMO_NETWORKS[1],
    zones: [
      { id: '0', label: 'Full Frame' },
      { id: '747034588190081132', label: 'Aisle 1' },
      { id: '747034588190081133', label: 'Aisle 2' },
    ],
  },
]);

/** The camera's network: its own, or the demo networks taken in turn (two cameras each). */
export function cameraNetworkId(camera: DemoCamera, index: number): string {
  return camera.networkId ?? DEMO_NETWORKS[Math.floor(index / 2) % DEMO_NETWORKS.length];
}

/** FNV-1a 32-bit: stable small hashes for colours, MACs and ids. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small seeded PRNG, returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
