#!/usr/bin/env node
// Build: TypeScript → dist/, then the editor files (.html, locales, icons) beside each node's .js.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

// `--clean` starts from an empty dist/ (tests and benches may be reading it, so not by default).
if (process.argv.includes('--clean')) fs.rmSync(dist, { recursive: true, force: true });
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
console.log(`build: compiled TypeScript and copied ${copied} editor entries into dist/`);
