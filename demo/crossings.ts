/**
 * The demo's people crossing the entrance camera's lines: one deterministic model that the
 * simulator publishes over MQTT (`/merakimv/<serial>/crossing/<boundaryId>`) and the fake Dashboard
 * API answers byInterval from, so that the hours the flow missed (before it started, or while it
 * was down) come back from the API with the same figures it would have counted.
 *
 * Per line and clock hour (UTC hours; seeded by serial, line and hour): more people come in in
 * the morning and leave in the evening, few at night; a line drawn the other way round
 * (`reversed`) sees the same people with in and out swapped. Besides the counted crossings a few
 * duplicates (the same object and event again within a second) and `expired` events are sent,
 * which neither the camera's own counts nor the flow's count.
 */
import { DemoCamera, DemoLine, hash32, prng } from './cameras';

const HOUR = 3_600_000;

export interface DemoCrossing {
  ts: number;
  event: 'crossing_in' | 'crossing_out' | 'expired';
  objectId: number;
  /** false for duplicates and expired events */
  counted: boolean;
}

/** Relative traffic by local hour: [coming in, going out]. */
function shape(hour: number): [number, number] {
  if (hour < 6 || hour >= 22) return [0.05, 0.08];
  if (hour < 11) return [1, 0.25];
  if (hour < 14) return [0.7, 0.6];
  if (hour < 17) return [0.5, 0.6];
  return [0.25, 1];
}

/** The crossings of one line in the clock hour starting at `hourStart` (a multiple of an hour), by time. */
export function hourCrossings(serial: string, line: DemoLine, hourStart: number): DemoCrossing[] {
  const rnd = prng(hash32(`${serial}/${line.id}/${hourStart}`));
  const [inShape, outShape] = shape(new Date(hourStart + HOUR / 2).getHours());
  const howMany = (f: number): number => Math.round((line.rate / 2) * f * (0.7 + 0.6 * rnd()));
  const entering = howMany(inShape);
  const leaving = howMany(outShape);
  const events: DemoCrossing[] = [];
  let id = (hash32(`${serial}/${line.id}`) % 1000) * 1_000_000 + (Math.floor(hourStart / HOUR) % 1000) * 1000;
  const add = (event: DemoCrossing['event'], counted = true): DemoCrossing => {
    const c = { ts: hourStart + Math.floor(rnd() * HOUR), event, objectId: ++id, counted };
    events.push(c);
    return c;
  };
  for (let i = 0; i < entering; i++) add(line.reversed ? 'crossing_out' : 'crossing_in');
  for (let i = 0; i < leaving; i++) add(line.reversed ? 'crossing_in' : 'crossing_out');
  // a few the camera's counts leave out: the same crossing sent twice, a track that expired
  const counted = events.slice();
  for (let i = 0; i < Math.min(2, counted.length); i++) {
    if (rnd() < 0.5) continue;
    const c = counted[Math.floor(rnd() * counted.length)];
    events.push({ ts: Math.min(hourStart + HOUR - 1, c.ts + 100 + Math.floor(rnd() * 800)), event: c.event, objectId: c.objectId, counted: false });
  }
  if (rnd() < 0.6) add('expired', false);
  return events.sort((a, b) => a.ts - b.ts || a.objectId - b.objectId);
}

/** What the camera counted on a line in [from, to), up to `now`: the byInterval figures. */
export function countCrossings(serial: string, line: DemoLine, from: number, to: number, now: number): { in: number; out: number } {
  const end = Math.min(to, now + 1);
  let i = 0;
  let o = 0;
  for (let h = Math.floor(from / HOUR) * HOUR; h < end; h += HOUR) {
    for (const c of hourCrossings(serial, line, h)) {
      if (!c.counted || c.ts < from || c.ts >= end) continue;
      if (c.event === 'crossing_in') i += 1;
      else if (c.event === 'crossing_out') o += 1;
    }
  }
  return { in: i, out: o };
}

/** The cameras' lines, for the simulator. */
export function demoLines(cameras: readonly DemoCamera[]): { serial: string; line: DemoLine }[] {
  return cameras.flatMap((c) => (c.lines ?? []).map((line) => ({ serial: c.serial, line })));
}

/** The demo's areas, in line-counter's format: a camera's lines lead into an area named after it. */
export function lineAreas(cameras: readonly DemoCamera[]): string {
  return cameras
    .filter((c) => c.lines?.length)
    .map((c) => `${c.name}: ${(c.lines ?? []).map((l) => `${c.serial}/${l.id}${l.reversed ? ' reversed' : ''}`).join(', ')}`)
    .join(' | ');
}
