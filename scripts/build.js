#!/usr/bin/env node
// Build: TypeScript → dist/, then the editor files (.html, locales, icons) beside each node's .js.
//   node scripts/build.js               build
//   node scripts/build.js --clean       from an empty dist/ (npm pack)
//   node scripts/build.js --if-changed  only when a source is newer than the last build (npm start)
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, '.build-stamp');
/** What the build reads. */
const INPUTS = ['src', 'nodes', 'tsconfig.json', 'package.json', 'scripts/build.js'];

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted file changes its folder
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

/** True when dist/ was built after every input last changed. */
function isUpToDate() {
  let built;
  try {
    built = fs.statSync(stampFile).mtimeMs;
  } catch {
    return false;
  }
  return fs.existsSync(path.join(root, 'resources', 'editor-rules.js')) && INPUTS.every((p) => newestMtime(path.join(root, p)) <= built);
}

function build({ clean = false } = {}) {
  const started = new Date();
  // (tests and benches may be reading dist/, so it is emptied only when asked)
  if (clean) fs.rmSync(dist, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });

  const nodesDir = path.join(root, 'nodes');
  let copied = 0;
  for (const type of fs.readdirSync(nodesDir)) {
    const src = path.join(nodesDir, type);
    if (!fs.statSync(src).isDirectory()) continue;
    const dest = path.join(dist, 'nodes', type);
    fs.mkdirSync(dest, { recursive: true });
    for (const entry of fs.readdirSync(src)) {
      const from = path.join(src, entry);
      if (entry.endsWith('.html') || entry === 'locales' || entry === 'icons') {
        fs.cpSync(from, path.join(dest, entry), { recursive: true });
        copied += 1;
      }
    }
  }
  bundleEditorRules();
  // Stamped with the time the build started: a source saved during the build counts as changed.
  fs.writeFileSync(stampFile, `${started.toISOString()}\n`);
  fs.utimesSync(stampFile, started, started);
  console.log(`build: compiled TypeScript and copied ${copied} editor entries into dist/`);
}

/**
 * The editor's copy of the setting checks: dist/src/lib/editor-rules.js and the modules it requires
 * (ours only: a Node.js or npm module there fails the build), wrapped as one script that defines
 * window.MerakiAnalyticsRules. Node-RED serves a package's resources/ folder to the editor at
 * resources/<package>/, where each node's editor file loads it.
 */
function bundleEditorRules() {
  const entry = path.join(dist, 'src', 'lib', 'editor-rules.js');
  const modules = new Map(); // file → its code
  const visit = (file) => {
    if (modules.has(file)) return;
    const code = fs.readFileSync(file, 'utf8');
    modules.set(file, code);
    for (const [, name] of code.matchAll(/\brequire\("([^"]+)"\)/g)) {
      if (!name.startsWith('./')) throw new Error(`${path.relative(root, file)}: the editor rules cannot use "${name}" (not one of our lib modules)`);
      visit(path.join(path.dirname(file), `${name}.js`));
    }
  };
  visit(entry);
  const id = (file) => JSON.stringify(path.relative(path.dirname(entry), file).replace(/\.js$/, '').replace(/\\/g, '/'));
  const defs = [...modules].map(([file, code]) => `${id(file)}: function (require, module, exports) {\n${code}\n}`);
  const out = `// Built by scripts/build.js from src/lib/editor-rules.ts: the setting checks of the runtime, for the editor.
(function () {
  if (window.MerakiAnalyticsRules) return;
  var defs = {
${defs.join(',\n')}
  };
  var cache = {};
  function load(name) {
    if (!cache[name]) {
      var module = { exports: {} };
      cache[name] = module;
      defs[name](function (dep) { return load(dep.slice(2)); }, module, module.exports); // './x' → 'x'
    }
    return cache[name].exports;
  }
  window.MerakiAnalyticsRules = load(${id(entry)});
})();
`;
  fs.mkdirSync(path.join(root, 'resources'), { recursive: true });
  fs.writeFileSync(path.join(root, 'resources', 'editor-rules.js'), out);
}

if (require.main === module) {
  if (process.argv.includes('--if-changed') && isUpToDate()) console.log('build: dist/ is up to date');
  else build({ clean: process.argv.includes('--clean') });
}

module.exports = { isUpToDate, build };
