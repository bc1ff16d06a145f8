/**
 * A tiny PNG encoder (zlib + CRC-32, no dependencies) and the fake camera picture: a room in a
 * colour of its own per camera, a few "people" as blocks, and a time bar at the bottom (hours of
 * the day and minutes of the hour as lit cells). Deterministic from serial + time.
 */
import * as zlib from 'zlib';
import { hash32, prng } from './cameras';

export const SNAPSHOT_WIDTH = 320;
export const SNAPSHOT_HEIGHT = 180;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(buf: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes 8-bit RGB pixels (width × height × 3 bytes, row by row) as a PNG. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  if (rgb.length !== width * height * 3) throw new Error('pixel buffer size does not match width × height × 3');
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), row + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

type Rgb = [number, number, number];

function hsl(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

class Canvas {
  readonly px: Uint8Array;
  constructor(readonly w: number, readonly h: number) {
    this.px = new Uint8Array(w * h * 3);
  }
  rect(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    const xa = Math.max(0, Math.floor(x0));
    const ya = Math.max(0, Math.floor(y0));
    const xb = Math.min(this.w, Math.floor(x0 + w));
    const yb = Math.min(this.h, Math.floor(y0 + h));
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const i = (y * this.w + x) * 3;
        this.px[i] = c[0];
        this.px[i + 1] = c[1];
        this.px[i + 2] = c[2];
      }
    }
  }
}

/**
 * The picture camera `serial` "saw" at `timeMs`: the same inputs give the same bytes. `people`
 * defaults to a number derived from serial and minute.
 */
export function renderSnapshot(serial: string, timeMs: number, people?: number): Buffer {
  const W = SNAPSHOT_WIDTH;
  const H = SNAPSHOT_HEIGHT;
  const c = new Canvas(W, H);
  const hue = hash32(serial) % 360;
  const wall = hsl(hue, 0.35, 0.72);
  const floorTop = hsl(hue, 0.25, 0.5);
  const horizon = Math.round(H * 0.42);
  c.rect(0, 0, W, horizon, wall);
  // floor: a vertical gradient, one colour per row (compresses well)
  for (let y = horizon; y < H; y++) {
    const k = 1 - ((y - horizon) / (H - horizon)) * 0.45;
    c.rect(0, y, W, 1, [Math.round(floorTop[0] * k), Math.round(floorTop[1] * k), Math.round(floorTop[2] * k)]);
  }
  // a door and a window
  c.rect(24, 22, 40, horizon - 22 + 6, hsl(hue + 30, 0.3, 0.35));
  c.rect(200, 18, 90, 36, hsl(200, 0.5, 0.82));
  c.rect(244, 18, 2, 36, wall);

  const minute = Math.floor(timeMs / 60_000);
  const rnd = prng(hash32(`${serial}/${minute}`));
  const n = people ?? Math.floor(rnd() * 6);
  // far ones first, so that nearer people stand in front of them
  const depths = Array.from({ length: n }, () => rnd()).sort((x, y) => x - y);
  for (const depth of depths) {
    const scale = 0.6 + depth * 0.8;
    const bw = 12 * scale;
    const bh = 34 * scale;
    const x = 8 + rnd() * (W - 30);
    const feet = horizon + 10 + depth * (H - horizon - 36);
    const shirt = hsl(rnd() * 360, 0.6, 0.45);
    c.rect(x, feet - bh, bw, bh * 0.55, shirt); // body
    c.rect(x + bw * 0.1, feet - bh * 0.45, bw * 0.35, bh * 0.45, [50, 50, 70]); // legs
    c.rect(x + bw * 0.55, feet - bh * 0.45, bw * 0.35, bh * 0.45, [50, 50, 70]);
    c.rect(x + bw * 0.2, feet - bh - bw * 0.6, bw * 0.6, bw * 0.6, [224, 182, 150]); // head
  }

  // time bar (UTC): 24 hour cells, then 60 minute cells below, then 60 second cells
  const d = new Date(timeMs);
  const barY = H - 18;
  c.rect(0, barY, W, 18, [24, 24, 28]);
  const cell = (W - 8) / 24;
  for (let h = 0; h < 24; h++) c.rect(4 + h * cell, barY + 2, cell - 2, 5, h <= d.getUTCHours() ? [255, 196, 0] : [70, 70, 76]);
  const mcell = (W - 8) / 60;
  for (let m = 0; m < 60; m++) c.rect(4 + m * mcell, barY + 9, Math.max(1, mcell - 1), 3, m <= d.getUTCMinutes() ? [0, 200, 255] : [60, 60, 66]);
  for (let s = 0; s < 60; s++) c.rect(4 + s * mcell, barY + 14, Math.max(1, mcell - 1), 2, s <= d.getUTCSeconds() ? [120, 255, 120] : [50, 50, 56]);
  // camera identity: a colour stripe in the corner
  c.rect(W - 14, 4, 10, 10, hsl(hue + 180, 0.8, 0.5));
  return encodePng(W, H, c.px);
}
