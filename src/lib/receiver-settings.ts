/**
 * The settings of the Scanning API receiver: its path and which observations it keeps. Free of
 * Node.js modules: the editor checks them with this same code (src/lib/editor-rules.ts).
 */
import { normaliseMac } from './mac-format';
import type { NumberRule } from './options';
import type { Radio } from './scanning';

export const DEFAULT_MIN_RSSI = 15;
/** Posts larger than this are refused (413). */
export const MAX_BODY_MB: Readonly<NumberRule> = Object.freeze({ default: 25, above: 0 });
/** Beyond this many MB of accepted posts not yet stored, posts are refused (503). */
export const MAX_PENDING_MB: Readonly<NumberRule> = Object.freeze({ default: 64, above: 0 });

export interface ObservationFilter {
  /** keep rssi ≥ minRssi (v2 scale, inclusive) */
  minRssi: number;
  /** normalised AP MACs; empty = every AP */
  apMacs: ReadonlySet<string>;
  radio: Radio | 'both';
}

export function observationFilter(options: { minRssi?: unknown; apMacs?: unknown; radio?: unknown } = {}): ObservationFilter {
  const raw = options.minRssi;
  const minRssi = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '') ? DEFAULT_MIN_RSSI : Number(raw);
  if (!Number.isFinite(minRssi)) throw new Error('RSSI threshold must be a number');
  const list = Array.isArray(options.apMacs) ? options.apMacs : typeof options.apMacs === 'string' ? options.apMacs.split(/[\s,;]+/) : [];
  const apMacs = new Set<string>();
  for (const item of list) {
    if (typeof item !== 'string' || item.trim() === '') continue;
    const mac = normaliseMac(item.trim());
    if (!mac) throw new Error(`"${item}" is not a MAC address`);
    apMacs.add(mac);
  }
  const radio = options.radio === 'wifi' || options.radio === 'ble' ? options.radio : 'both';
  return { minRssi, apMacs, radio };
}

/** `/cmx`, `cmx/` → `/cmx`; only plain URL path characters (no route patterns): else null. */
export function receiverPath(p: unknown): string | null {
  let s = typeof p === 'string' && p.trim() ? p.trim() : '/cmx';
  if (!s.startsWith('/')) s = '/' + s;
  if (s.length > 1) s = s.replace(/\/+$/, '');
  return /^\/[A-Za-z0-9._~\-/]*$/.test(s) ? s : null;
}
