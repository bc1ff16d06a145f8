/**
 * Small maps typed in the editor, one entry per line:
 *   camera → AP MACs:  `Q2GV-7HJK-2LMN: e0:55:3d:10:4a:c1, e0:55:3d:10:4a:c7` (or `|` between entries)
 *   zone labels:       `Q2GV-7HJK-2LMN/747034588190081129: Checkout queue`
 * Serials are matched without regard to case (keys are upper-cased). Blank lines and lines
 * starting with # are skipped; a line that cannot be read throws, naming it.
 */
import { normaliseMac } from './mac-format';

function lines(text: unknown, separator: RegExp = /\r?\n/): [number, string, string][] {
  if (typeof text !== 'string') return [];
  const out: [number, string, string][] = [];
  text.split(separator).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const sep = line.search(/[:=]/);
    if (sep <= 0) throw new Error(`line ${i + 1}: expected "key: value", got "${line}"`);
    out.push([i + 1, line.slice(0, sep).trim(), line.slice(sep + 1).trim()]);
  });
  return out;
}

/** Entries are separated by new lines, or by `|` (handy in an environment variable). */
export function parseCameraAps(text: unknown): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const [n, serial, value] of lines(text, /\r?\n|\|/)) {
    if (!value) throw new Error(`line ${n}: no AP MAC after "${serial}"`);
    const macs = new Set<string>();
    for (const item of value.split(/[\s,;]+/).filter(Boolean)) {
      const mac = normaliseMac(item);
      if (!mac) throw new Error(`line ${n}: "${item}" is not a MAC address`);
      macs.add(mac);
    }
    const key = serial.toUpperCase();
    map.set(key, new Set([...(map.get(key) ?? []), ...macs]));
  }
  return map;
}

/** `serial/zone: label` → "SERIAL/zone" → label; `serial: name` (no zone) → "SERIAL" → name. */
export function parseLabels(text: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const [n, key, value] of lines(text)) {
    if (!value) throw new Error(`line ${n}: no label after "${key}"`);
    const slash = key.indexOf('/');
    map.set(slash < 0 ? key.toUpperCase() : key.slice(0, slash).toUpperCase() + key.slice(slash), value);
  }
  return map;
}
