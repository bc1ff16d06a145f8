/**
 * Our nodes' editor definitions (the `RED.nodes.registerType` calls of dist/nodes/<type>/<type>.html,
 * with resources/editor-rules.js loaded first, as the editor does), run in a plain JavaScript
 * context without Node.js, and Node-RED 4's rule for whether the editor accepts a property value.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { ROOT } from './app';

export interface PropertyDef {
  value?: unknown;
  required?: boolean;
  type?: string;
  validate?: (this: unknown, v: unknown, opt?: unknown) => unknown;
}
export interface EditorDef {
  category: string;
  defaults: Record<string, PropertyDef>;
  credentials?: Record<string, unknown>;
}

/** A context like the editor's window, with the rules bundle loaded. */
export function editorContext(): vm.Context & { window: { MerakiAnalyticsRules: any } } {
  const ctx = vm.createContext({ window: {} as Record<string, unknown> }) as any;
  vm.runInContext(fs.readFileSync(path.join(ROOT, 'resources', 'editor-rules.js'), 'utf8'), ctx);
  return ctx;
}

export function editorDefinitions(types: string[]): Record<string, EditorDef> {
  const ctx = editorContext();
  const defs: Record<string, EditorDef> = {};
  ctx.MerakiAnalyticsRules = ctx.window.MerakiAnalyticsRules;
  ctx.RED = {
    nodes: { registerType: (type: string, def: EditorDef) => (defs[type] = def) },
    validators: {
      number: () => (v: unknown) => v === '' || !Number.isNaN(Number(v)),
      regex: (re: RegExp) => (v: unknown) => re.test(String(v)),
    },
    _: (key: string) => key,
  };
  for (const type of types) {
    const html = fs.readFileSync(path.join(ROOT, 'dist', 'nodes', type, `${type}.html`), 'utf8');
    for (const [, code] of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) vm.runInContext(code, ctx);
  }
  return defs;
}

/**
 * What the editor says of a value (Node-RED 4's validateNodeProperty): true when valid, else the
 * reason (a text) or false. A whole `${VAR}` is always valid there.
 */
export function editorVerdict(node: Record<string, unknown>, def: PropertyDef, value: unknown): true | string | false {
  if (typeof value === 'string' && /^\$\{[a-zA-Z_][a-zA-Z0-9_]*\}$/.test(value)) return true;
  if (def.required && (value === '' || value === undefined)) return false;
  if (def.validate) {
    if (def.required === false && value === '') return true;
    const r = def.validate.call(node, value, {});
    if (typeof r === 'string') return r;
    return r ? true : false;
  }
  return true;
}
