#!/usr/bin/env node
// The supplied application comes in two flows, one per dashboard, built here from files that are
// easier to read, diff and review:
//   flows/meraki-analytics.json (node-red-dashboard, /ui): its ui_template nodes take their HTML
//     from flows/dashboard/<name>.html;
//   flows/meraki-analytics-dashboard2.json (FlowFuse Dashboard 2.0, /dashboard): the same flow with
//     its node-red-dashboard nodes (type ui_*) replaced by the Dashboard 2.0 nodes of
//     flows/dashboard2/widgets.json (same ids, so every wire stays), that file's `patch` applied, the
//     ui-template nodes' Vue from flows/dashboard2/<name>.vue and the ui-table columns from
//     src/lib/widgets.ts (dist/: build first).
// Both are offered under Import > Examples > dashboard. Run this after editing any of them:
//   node scripts/dashboard-flow.js          writes the flows and the examples
//   node scripts/dashboard-flow.js --check  exits 1 if anything differs (a test runs it)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const flowFile = path.join(root, 'flows', 'meraki-analytics.json');
const flow2File = path.join(root, 'flows', 'meraki-analytics-dashboard2.json');
const examples = path.join(root, 'examples', 'dashboard');
const example1 = path.join(examples, 'Meraki Analytics.json');
const example2 = path.join(examples, 'Meraki Analytics (Dashboard 2.0).json');

/** ui_template node id → HTML file (every table of the tab is the one table template) */
const TEMPLATES = {
  'ui-zones': 'table.html',
  'ui-activities': 'table.html',
  'ui-visitors': 'table.html',
  'ui-devices': 'table.html',
  'ui-correlations': 'table.html',
  'ui-areas': 'table.html',
  'ui-snapshots': 'snapshots.html',
  'ui-downloads': 'downloads.html',
};
/** Dashboard 2.0 ui-template node id → Vue file (or CSS for the page) */
const TEMPLATES2 = {
  'ui-snapshots': 'snapshots.vue',
  'ui-styles': 'styles.css',
};
/** Dashboard 2.0 ui-template node id → plain HTML of flows/dashboard/ (no Angular in it), as a Vue template */
const SHARED2 = {
  'ui-downloads': 'downloads.html',
};
/** Dashboard 2.0 ui-table node id → table of src/lib/widgets.ts */
const TABLES2 = {
  'ui-zones': 'zones',
  'ui-activities': 'activities',
  'ui-visitors': 'visitors',
  'ui-devices': 'devices',
  'ui-correlations': 'correlations',
  'ui-areas': 'areas',
};

const read = (file) => fs.readFileSync(file, 'utf8');
const text = (nodes) => JSON.stringify(nodes, null, 4) + '\n';
const differ = [];

function byId(nodes, id, file) {
  const node = nodes.find((n) => n.id === id);
  if (!node) throw new Error(`${id} is not in ${file}`);
  return node;
}

// node-red-dashboard: the templates' HTML into the flow.
const flow = JSON.parse(read(flowFile));
for (const [id, file] of Object.entries(TEMPLATES)) {
  const node = byId(flow, id, flowFile);
  const html = read(path.join(root, 'flows', 'dashboard', file));
  if (node.format !== html && !differ.includes(file)) differ.push(file);
  node.format = html;
}

// Dashboard 2.0: the same flow with the other dashboard's nodes.
let columns;
try {
  ({ dashboard2Columns: columns } = require(path.join(root, 'dist', 'src', 'lib', 'widgets.js')));
} catch {
  console.error('dist/src/lib/widgets.js is missing: run `node scripts/build.js` first');
  process.exit(1);
}
const widgets2 = JSON.parse(read(path.join(root, 'flows', 'dashboard2', 'widgets.json')));
const replaced = new Map(widgets2.nodes.map((n) => [n.id, n]));
const flow2 = flow
  .filter((n) => !n.type.startsWith('ui_') || replaced.has(n.id))
  .map((n) => ({ ...(replaced.get(n.id) ?? n) }));
for (const n of widgets2.nodes) if (!flow.some((m) => m.id === n.id)) flow2.push(n);
for (const [id, patch] of Object.entries(widgets2.patch)) Object.assign(byId(flow2, id, flow2File), patch);
for (const [id, file] of Object.entries(TEMPLATES2)) byId(flow2, id, flow2File).format = read(path.join(root, 'flows', 'dashboard2', file));
for (const [id, file] of Object.entries(SHARED2)) byId(flow2, id, flow2File).format = `<template>\n${read(path.join(root, 'flows', 'dashboard', file))}</template>\n`;
for (const [id, name] of Object.entries(TABLES2)) byId(flow2, id, flow2File).columns = columns(name);
const left = flow2.filter((n) => n.type.startsWith('ui_')).map((n) => n.id);
if (left.length) throw new Error(`node-red-dashboard nodes without a Dashboard 2.0 counterpart in flows/dashboard2/widgets.json: ${left.join(', ')}`);

const outputs = [
  [flowFile, text(flow)],
  [example1, text(flow)],
  [flow2File, text(flow2)],
  [example2, text(flow2)],
];
for (const [file, content] of outputs) {
  if (!fs.existsSync(file) || read(file) !== content) differ.push(path.relative(root, file));
}
if (process.argv.includes('--check')) {
  if (differ.length) {
    console.error(`the supplied flows are out of date for ${differ.join(', ')}: run node scripts/dashboard-flow.js`);
    process.exit(1);
  }
} else {
  fs.mkdirSync(examples, { recursive: true });
  for (const [file, content] of outputs) fs.writeFileSync(file, content);
  console.log(differ.length ? `updated ${differ.join(', ')}` : 'up to date');
}
