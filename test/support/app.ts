/**
 * Starts the real application the way `npm start` does (scripts/start.js after the build:
 * Node-RED 4 with the supplied flow and an embedded MQTT broker), on free ports, with its own
 * user and data directories. NODE_RED_PATH (the folder of another node-red package, e.g.
 * Node-RED 5 in .ci/run) is passed on to the launcher, which then starts that Node-RED.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** The folder of the node-red package the tests run: NODE_RED_PATH, or the project's own. */
export const NODE_RED_DIR = process.env.NODE_RED_PATH
  ? path.resolve(process.env.NODE_RED_PATH)
  : path.dirname(require.resolve('node-red/package.json', { paths: [ROOT] }));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface App {
  proc: ChildProcess;
  port: number;
  mqttPort: number;
  dataDir: string;
  userDir: string;
  base: string;
  output(): string;
  waitForOutput(re: RegExp, ms?: number): Promise<void>;
  /**
   * Sends the signal (default SIGTERM) to the launcher, or with `group` to its whole process
   * group as Ctrl-C in a terminal does; resolves with the exit code.
   */
  stop(signal?: NodeJS.Signals, group?: boolean): Promise<number | null>;
  cleanup(): void;
}

export async function startApp(
  extraEnv: Record<string, string> = {},
  opts: { waitFor?: RegExp; /** restart on the same folders as this earlier app */ after?: App } = {},
): Promise<App> {
  const port = await freePort();
  const mqttPort = await freePort();
  const tmp = opts.after ? path.dirname(opts.after.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'meraki-app-'));
  const dataDir = path.join(tmp, 'data');
  const userDir = path.join(tmp, 'user');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    MQTT_PORT: String(mqttPort),
    DATA_DIR: dataDir,
    NODE_RED_USER_DIR: userDir,
    ...extraEnv,
  };
  for (const k of Object.keys(extraEnv)) if (extraEnv[k] === '') delete env[k];
  // Its own process group, so that a test can send a terminal's Ctrl-C to all of it.
  const proc = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => {
    exitCode = code;
    for (const w of waiters.splice(0)) w();
    resolve(code);
  }));

  const app: App = {
    proc,
    port,
    mqttPort,
    dataDir,
    userDir,
    base: `http://127.0.0.1:${port}`,
    output: () => out,
    waitForOutput(re, ms = 30000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${out}`)), ms);
        const check = () => {
          if (re.test(out)) {
            clearTimeout(timer);
            resolve();
          } else if (exitCode !== undefined) {
            clearTimeout(timer);
            reject(new Error(`app exited (${exitCode}) before ${re}:\n${out}`));
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    async stop(signal = 'SIGTERM', group = false) {
      if (exitCode !== undefined) return exitCode;
      if (group) process.kill(-proc.pid!, signal);
      else proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    cleanup() {
      if (exitCode === undefined) {
        try {
          process.kill(-proc.pid!, 'SIGKILL');
        } catch {
          proc.kill('SIGKILL');
        }
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  try {
    await app.waitForOutput(opts.waitFor ?? /subscribed to \/merakimv\/#/);
  } catch (err) {
    app.cleanup();
    throw err;
  }
  return app;
}

/** Polls `get()` every 100 ms until `ok` says yes; resolves with that value, or rejects after `ms` naming `what`. */
export async function waitFor<T>(what: string, get: () => Promise<T> | T, ok: (v: T) => boolean, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SPEC section 4's worked vector: people per message, one message a second. */
export const WORKED_VECTOR: number[] = [
  ...Array(5).fill(0),
  ...Array.from({ length: 60 }, (_, i) => 1 + (i % 3)),
  ...Array(25).fill(0),
];
