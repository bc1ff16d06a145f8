/**
 * The example payloads of test/fixtures (MV MQTT A-*, Scanning API B-*, Dashboard API R-*; see
 * its README.md), copied from the project's shared wire-format reference.
 */
import * as fs from 'fs';
import * as path from 'path';

export const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures');

export function fixture<T = any>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name.endsWith('.json') ? name : `${name}.json`), 'utf8'));
}
