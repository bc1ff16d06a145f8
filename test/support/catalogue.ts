/**
 * Our en-US message catalogues for runtimes started by node-red-node-test-helper, whose own
 * `RED._` returns the bare key: texts then read as in Node-RED. Used by tests and benches.
 */
import * as fs from 'fs';
import * as path from 'path';

export const DIST_NODES = path.resolve(__dirname, '..', '..', 'dist', 'nodes');

const catalogues = new Map<string, unknown>();

function catalogue(type: string): unknown {
  if (!catalogues.has(type)) {
    let value: unknown = {};
    try {
      value = JSON.parse(fs.readFileSync(path.join(DIST_NODES, type, 'locales', 'en-US', `${type}.json`), 'utf8'));
    } catch {
      // no catalogue: keys come back as they are
    }
    catalogues.set(type, value);
  }
  return catalogues.get(type);
}

/** `RED._` for our nodes: `type.a.b` looked up in `type`'s catalogue, `__name__` filled in. */
export function translate(key: string, vars: Record<string, unknown> = {}): string {
  const [type] = key.split('.');
  const value = key.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), catalogue(type));
  if (typeof value !== 'string') return key;
  return value.replace(/__([a-zA-Z0-9_]+)__/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** The compiled module (dist/) of one of our node types, with real catalogue texts. */
export function nodeModule(type: string): (red: any) => unknown {
  const file = path.join(DIST_NODES, type, `${type}.js`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`node scripts/build.js\` first`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file);
  return (red: any) => {
    red._ = translate;
    return mod(red);
  };
}
