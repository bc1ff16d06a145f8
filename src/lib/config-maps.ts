/**
 * Small maps typed in the editor, one entry per line:
 *   camera → AP MACs:  `Q2GV-7HJK-2LMN: e0:55:3d:10:4a:c1, e0:55:3d:10:4a:c7` (or `|` between entries)
 *   zone labels:       `Q2GV-7HJK-2LMN/747034588190081129: Checkout queue`
 *   areas of lines:    `Lobby: Q2GV-7HJK-2LMN/k74272e, Q2GV-7HJK-2LMN/k74272f reversed`
 * Serials are matched without regard to case (keys are upper-cased). Blank lines and lines
 * starting with # are skipped; a line that cannot be read throws, naming it.
 */
import { normaliseMac } from './mac-format';

/** A zone's label when none is known (SPEC section 4): "Full frame" for zone 0 (the whole picture), else null. */
export function defaultZoneLabel(zone: string): string | null {
  return zone === '0' ? 'Full frame' : null;
}

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

/** One line of an area: the line's key (`SERIAL/boundaryId`, serial upper-cased) and its direction. */
export interface AreaLine {
  key: string;
  /** true: the line's `in` leaves the area, its `out` enters it */
  reversed: boolean;
}

export interface AreaDef {
  name: string;
  lines: AreaLine[];
}

/** Longest area name kept. */
export const MAX_AREA_NAME = 100;

/**
 * Areas of line-counter, one per line: `<area name>: <serial>/<boundaryId> [reversed], ...`
 * (e.g. `Lobby: Q2GV-7HJK-2LMN/k74272e, Q2GV-7HJK-2LMN/k74272f reversed`), or `|` between entries
 * (handy in an environment variable). A name given twice
 * collects the lines of both; a line listed twice in one area is an error.
 */
export function parseAreas(text: unknown): AreaDef[] {
  const areas = new Map<string, AreaDef>();
  for (const [n, name, value] of lines(text, /\r?\n|\|/)) {
    if (name.length > MAX_AREA_NAME) throw new Error(`line ${n}: the area name is longer than ${MAX_AREA_NAME} characters`);
    if (!value) throw new Error(`line ${n}: no line after "${name}" (expected <serial>/<boundaryId>)`);
    const area = areas.get(name) ?? { name, lines: [] };
    for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^([^\s/]+)\/(\S+)(?:\s+(reversed))?$/i.exec(item);
      if (!m) throw new Error(`line ${n}: "${item}" is not <serial>/<boundaryId> (optionally followed by "reversed")`);
      const key = `${m[1].toUpperCase()}/${m[2]}`;
      if (area.lines.some((l) => l.key === key)) throw new Error(`line ${n}: ${key} is listed twice in "${name}"`);
      area.lines.push({ key, reversed: m[3] !== undefined });
    }
    areas.set(name, area);
  }
  return [...areas.values()];
}
