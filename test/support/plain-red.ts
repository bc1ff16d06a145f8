/**
 * This package as a user has it: packed with `npm pack`, installed into a fresh Node-RED user
 * directory, and that Node-RED (NODE_RED_DIR: the project's, or NODE_RED_PATH's) started on its
 * own, without our launcher and without any of our environment variables.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { freePort, NODE_RED_DIR, ROOT } from './app';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Every variable the supplied application reads (README, "Settings"). */
export const OUR_VARIABLES = [
  'PORT', 'HOST', 'MQTT_URL', 'MQTT_PORT', 'MQTT_TOPIC', 'DATA_DIR', 'CMX_VALIDATOR', 'CMX_SECRET', 'MERAKI_API_KEY',
  'MERAKI_API_BASE', 'CAMERA_APS', 'DASHBOARD', 'NODE_RED_USER_DIR', 'NODE_RED_CREDENTIAL_SECRET',
];

/** `npm pack` into `dir` (the build ran in pretest; --ignore-scripts keeps prepack from rebuilding under running tests). */
export function pack(dir: string): { tarball: string; files: string[] } {
  const out = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  const info = JSON.parse(out)[0];
  return { tarball: path.join(dir, info.filename), files: info.files.map((f: { path: string }) => f.path) };
}

/** A fresh user directory with the packages installed as `npm install` in ~/.node-red does. */
export function installInto(userDir: string, packages: string[]): void {
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', ...packages], { cwd: userDir, stdio: 'pipe' });
}

export interface PlainRed {
  proc: ChildProcess;
  base: string;
  /** everything Node-RED printed so far */
  log(): string;
  waitForLog(re: RegExp, from?: number, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Node-RED with `settings` (plus uiHost/uiPort/userDir), started from `cwd`, with none of
 * OUR_VARIABLES in its environment.
 */
export async function startPlainRed(userDir: string, cwd: string, settings: Record<string, unknown> = {}): Promise<PlainRed> {
  const port = await freePort();
  const file = path.join(cwd, 'settings.js');
  fs.writeFileSync(file, `module.exports = ${JSON.stringify({ uiHost: '127.0.0.1', uiPort: port, userDir, flowFile: 'flows.json', ...settings })};`);
  const env = { ...process.env };
  for (const name of OUR_VARIABLES) delete env[name];
  const proc = spawn(process.execPath, [path.join(NODE_RED_DIR, 'red.js'), '--settings', file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const red: PlainRed = {
    proc,
    base: `http://127.0.0.1:${port}`,
    log: () => out,
    async waitForLog(re, from = 0, ms = 60000) {
      const end = Date.now() + ms;
      while (!re.test(out.slice(from))) {
        if (Date.now() > end || proc.exitCode !== null) throw new Error(`no ${re} in Node-RED's log:\n${out.slice(from)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
    },
  };
  await red.waitForLog(/Server now running/);
  return red;
}
