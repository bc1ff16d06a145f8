/**
 * The MV count scenario shared by the benches and the broker child: several cameras and zones
 * publishing counts round-robin, one message per key per second of camera time.
 *
 * Per key the people counts repeat a block of [5 × 0, 60 × 1..3, 20 × 0] (85 messages). With the
 * activity-detector defaults each block yields exactly one activity (80 messages, peak 3), closed
 * on the block's last message; the next block's first non-zero comes 6 s of message time after the
 * close, past the 5 s pause. Keys are interleaved, so the scenario's very last message closes the
 * last activity.
 */

export const BLOCK = [
  ...Array<number>(5).fill(0),
  ...Array.from({ length: 60 }, (_, i) => 1 + (i % 3)),
  ...Array<number>(20).fill(0),
];

export const CAMERAS = ['Q2GV-7HJK-2LMN', 'Q2JV-AB12-CD34', 'Q2FV-QX9P-7RT4', 'Q2EV-LM56-NP78'];
/** the whole frame and two (legacy, long numeric) user zones */
export const ZONES = ['0', '747034588190081129', '747034588190081130'];

/** 2024-06-20T08:00:00Z */
const T0 = Date.UTC(2024, 5, 20, 8, 0, 0);

export interface Scenario {
  topics: string[];
  blocksPerKey: number;
  /** added to every ts, so that later passes through the same detector stay in order */
  tsOffset: number;
  messages: number;
  activities: number;
}

/** Whole blocks only: the message count is rounded down to a multiple of keys × 85. */
export function scenario(approxMessages: number, pass = 0): Scenario {
  const topics: string[] = [];
  for (const serial of CAMERAS) for (const zone of ZONES) topics.push(`/merakimv/${serial}/${zone}`);
  const blocksPerKey = Math.max(1, Math.floor(approxMessages / (topics.length * BLOCK.length)));
  const steps = blocksPerKey * BLOCK.length;
  return {
    topics,
    blocksPerKey,
    // each pass starts well after the previous one ended (pause included)
    tsOffset: pass * (steps + 60) * 1000,
    messages: steps * topics.length,
    activities: blocksPerKey * topics.length,
  };
}

/** Message i of the scenario: its topic and the JSON text a camera would publish. */
export function message(s: Scenario, i: number): { topic: string; payload: string } {
  const k = s.topics.length;
  const key = i % k;
  const step = (i - key) / k;
  const people = BLOCK[step % BLOCK.length];
  // a few ms apart per key, as cameras are not in lock-step
  const ts = T0 + s.tsOffset + step * 1000 + key * 7;
  const vehicles = key % 3 === 0 ? 0 : undefined;
  const payload = vehicles === undefined
    ? `{"ts":${ts},"counts":{"person":${people}}}`
    : `{"ts":${ts},"counts":{"person":${people},"vehicle":${vehicles}}}`;
  return { topic: s.topics[key], payload };
}
