#!/usr/bin/env node
// The dashboard's ui_template nodes in flows/meraki-analytics.json take their HTML from
// flows/dashboard/<name>.html (easier to read, diff and review there), and the flow is offered
// under Import > Examples as examples/dashboard/Meraki Analytics.json. Run this after editing:
//   node scripts/dashboard-flow.js          writes the HTML into the flow, and the flow into the example
//   node scripts/dashboard-flow.js --check  exits 1 if anything differs (a test runs it)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const flowFile = path.join(root, 'flows', 'meraki-analytics.json');
const dir = path.join(root, 'flows', 'dashboard');
const example = path.join(root, 'examples', 'dashboard', 'Meraki Analytics.json');
/** ui_template node id → HTML file */
const TEMPLATES = {
  'ui-zones': 'zones.html',
  'ui-visitors': 'visitors.html',
  'ui-correlations': 'correlations.html',
  'ui-downloads': 'downloads.html',
  'ui-status': 'status.html',
};

const flow = JSON.parse(fs.readFileSync(flowFile, 'utf8'));
let differ = [];
for (const [id, file] of Object.entries(TEMPLATES)) {
  const node = flow.find((n) => n.id === id);
  if (!node) throw new Error(`${id} is not in ${flowFile}`);
  const html = fs.readFileSync(path.join(dir, file), 'utf8');
  if (node.format !== html) differ.push(file);
  node.format = html;
}
const text = JSON.stringify(flow, null, 4) + '\n';
if (!fs.existsSync(example) || fs.readFileSync(example, 'utf8') !== text) differ.push(path.relative(root, example));
if (process.argv.includes('--check')) {
  if (differ.length) {
    console.error(`flows/meraki-analytics.json is out of date for ${differ.join(', ')}: run node scripts/dashboard-flow.js`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(flowFile, text);
  fs.mkdirSync(path.dirname(example), { recursive: true });
  fs.writeFileSync(example, text);
  console.log(differ.length ? `updated ${differ.join(', ')}` : 'up to date');
}
