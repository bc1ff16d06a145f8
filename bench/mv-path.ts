/**
 * MV path bench: camera count messages → mv-sense-parse → activity-detector (→ csv-store).
 *
 * (a) In process: a real Node-RED runtime (node-red-node-test-helper); N count messages are
 *     injected with node.receive() into mv-sense-parse → activity-detector → sink, and the same
 *     messages into pass-through → pass-through → sink (Node-RED's bare delivery cost). Warm-up,
 *     then alternating repetitions; medians and their ratio.
 * (b) End to end over MQTT: an aedes broker and an mqtt.js publisher in a child process (QoS 0,
 *     as fast as the client allows); here a raw mqtt.js subscriber (JSON.parse of each payload, no
 *     Node-RED: the ceiling), Node-RED's own `mqtt in` → sink (baseline) versus `mqtt in` →
 *     mv-sense-parse → activity-detector → csv-store (mvData.csv) → sink. Timed from the first
 *     publish until the sink has every message (baselines) or every activity (ours).
 *
 * A measurement, not a test: nothing here asserts a timing. Runs alone with `tsx bench/mv-path.ts`
 * or through `npm run bench` (bench/run.ts). Sizes: BENCH_MV_MESSAGES (default 200000),
 * BENCH_MV_MQTT_MESSAGES (default 100000).
 */
import { fork, ChildProcess } from 'child_process';
import mqtt from 'mqtt';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scenario, message, Scenario } from './lib/scenario';
import { passThrough, PASS_THROUGH } from './lib/pass-through';
import * as red from './lib/red';
import { collectGarbage, heading, int, line, median, pct, rate, runMain } from './lib/report';
import { stopChild } from './lib/child';

const IN_PROCESS_MESSAGES = Number(process.env.BENCH_MV_MESSAGES) || 200_000;
const MQTT_MESSAGES = Number(process.env.BENCH_MV_MQTT_MESSAGES) || 100_000;
const IN_PROCESS_REPS = 5;
const MQTT_REPS = 3;
/** messages handed to node.receive() per macrotask */
const INJECT_CHUNK = 1000;
/** give up on a run when its sink has not moved for this long */
const STALL_MS = 15_000;

const MV_COLUMNS = 'serial,zone,timeIn,timeOut,durationS,peakPeople,messages';
const TARGET_RATIO = 0.75;
const TARGET_RATE = 20_000;

/** Something made a figure meaningless (lost messages, wrong CSV): the bench exits non-zero. */
let broken = false;
function problem(text: string): void {
  broken = true;
  console.log(`  !! ${text}`);
}

/** Resolves with the time the counter reached `target`; rejects when it stops moving. */
function completion(c: ReturnType<typeof red.counter>, target: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = -1;
    let since = Date.now();
    const watchdog = setInterval(() => {
      if (c.count !== seen) {
        seen = c.count;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) {
        clearInterval(watchdog);
        reject(new Error(`${what}: stalled at ${int(c.count)} of ${int(target)}`));
      }
    }, 250);
    c.until(target).then((t) => {
      clearInterval(watchdog);
      resolve(t);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// (a) in process

function countMessages(s: Scenario): object[] {
  const msgs = new Array<object>(s.messages);
  for (let i = 0; i < s.messages; i++) {
    const m = message(s, i);
    // what `mqtt in` (datatype utf8) hands on
    msgs[i] = { topic: m.topic, payload: m.payload, qos: 0, retain: false };
  }
  return msgs;
}

async function inject(node: { receive(msg: object): void }, msgs: object[]): Promise<void> {
  for (let i = 0; i < msgs.length; ) {
    const end = Math.min(msgs.length, i + INJECT_CHUNK);
    for (; i < end; i++) node.receive(msgs[i]);
    await new Promise<void>((r) => setImmediate(r));
  }
}

async function inProcess(): Promise<{ ours: number; base: number }> {
  heading(`(a) in process: ${int(scenario(IN_PROCESS_MESSAGES).messages)} count messages per pass, node.receive() in chunks of ${INJECT_CHUNK}`);
  const flow = [
    { id: 'parse', type: 'mv-sense-parse', name: '', cameras: '', zones: '', wires: [['detect']] },
    {
      id: 'detect', type: 'activity-detector', name: '', peopleThreshold: '1', minMessages: '50', minPeak: '1',
      timeoutMessages: '20', pauseSeconds: '5', idleSeconds: '120', wires: [['activities'], ['dismissed']],
    },
    { id: 'activities', type: 'helper' },
    { id: 'dismissed', type: 'helper' },
    { id: 'pt1', type: PASS_THROUGH, wires: [['pt2']] },
    { id: 'pt2', type: PASS_THROUGH, wires: [['ptSink']] },
    { id: 'ptSink', type: 'helper' },
  ];
  await red.load([red.ourNode('mv-sense-parse'), red.ourNode('activity-detector'), passThrough], flow);
  const parse = red.getNode('parse');
  const pt1 = red.getNode('pt1');
  const activities = red.counter('activities');
  const dismissed = red.counter('dismissed');
  const ptSink = red.counter('ptSink');
  let last: any = null;
  red.getNode('activities').on('input', (msg: any) => {
    last = msg.payload;
  });

  let pass = 0; // the detector keeps its state: every pass of ours continues the message time
  async function once(variant: 'ours' | 'base'): Promise<number> {
    const s = scenario(IN_PROCESS_MESSAGES, variant === 'ours' ? pass++ : 0);
    const msgs = countMessages(s);
    collectGarbage();
    const sink = variant === 'ours' ? activities : ptSink;
    const target = variant === 'ours' ? s.activities : s.messages;
    sink.reset();
    dismissed.reset();
    const done = completion(sink, target, variant === 'ours' ? 'activities' : 'pass-through');
    const t0 = performance.now();
    await inject(variant === 'ours' ? parse : pt1, msgs);
    const t1 = await done;
    if (variant === 'ours') {
      await new Promise((r) => setTimeout(r, 20)); // anything unexpected would show up now
      if (activities.count !== s.activities || dismissed.count !== 0) {
        problem(`ours: ${activities.count} activities and ${dismissed.count} dismissed, expected ${s.activities} and 0`);
      } else if (last?.messages !== 80 || last?.peakPeople !== 3 || last?.durationS !== 60) {
        problem(`ours: unexpected last activity ${JSON.stringify(last)}`);
      }
    }
    return s.messages / ((t1 - t0) / 1000);
  }

  try {
    await once('base'); // warm-up
    await once('ours');
    const base: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < IN_PROCESS_REPS; i++) {
      base.push(await once('base'));
      ours.push(await once('ours'));
    }
    const s = scenario(IN_PROCESS_MESSAGES);
    const b = median(base);
    const o = median(ours);
    line('pass-through → pass-through', `${rate(b)}  (median of ${IN_PROCESS_REPS}; runs ${base.map(int).join(', ')})`);
    line('mv-sense-parse → activity-detector', `${rate(o)}  (median of ${IN_PROCESS_REPS}; runs ${ours.map(int).join(', ')})`);
    line('ratio ours / pass-through', `${(o / b).toFixed(2)}  (${pct(o / b)})`);
    line('activities per pass', `${int(s.activities)} (${s.topics.length} keys × ${s.blocksPerKey} blocks), 0 dismissed`);
    return { ours: o, base: b };
  } finally {
    await red.unload();
  }
}

// ---------------------------------------------------------------------------------------------
// (b) end to end over MQTT

interface Child {
  proc: ChildProcess;
  port: number;
  publish(clientId: string, approx: number): { started: Promise<number>; published: Promise<number> };
  stop(): Promise<void>;
}

async function startBrokerChild(): Promise<Child> {
  // the same TypeScript loader as this process (tsx), without any profiling flags
  const execArgv = process.execArgv.filter((a) => !/^--(cpu-prof|prof|heap-prof|inspect)/.test(a));
  const proc = fork(path.join(__dirname, 'lib', 'mqtt-broker.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<string, { resolve: (t: number) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`broker child exited (${code}) before it was ready`)));
    proc.on('message', (msg: any) => {
      if (msg.type === 'ready') resolve(msg.port);
      const key = `${msg.id}:${msg.type}`;
      if (msg.type === 'error') {
        for (const [k, p] of pending) if (k.startsWith(`${msg.id}:`)) p.reject(new Error(msg.message));
      } else if (pending.has(key)) {
        pending.get(key)!.resolve(msg.t);
        pending.delete(key);
      }
    });
  });
  proc.removeAllListeners('exit');
  return {
    proc,
    port,
    publish(clientId, approx) {
      const id = nextId++;
      const wait = (type: string) => new Promise<number>((resolve, reject) => pending.set(`${id}:${type}`, { resolve, reject }));
      const started = wait('started');
      const published = wait('published');
      published.catch(() => undefined);
      proc.send({ type: 'publish', id, clientId, filter: '/merakimv/#', approx, pass: 0 });
      return { started, published };
    },
    stop: () => stopChild(proc),
  };
}

interface MqttRun {
  rate: number;
  publishRate: number;
  csvOk?: boolean;
}

/** The ceiling: an mqtt.js client in this process, no Node-RED; each payload JSON-parsed as `mqtt in` (auto-detect) does. */
async function rawRun(child: Child, approx: number, run: number): Promise<MqttRun> {
  const s = scenario(approx);
  const clientId = `bench-raw-${run}`;
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${child.port}`, { clientId, clean: true });
  try {
    let count = 0;
    let tLast = 0;
    client.on('message', (_topic, payload) => {
      JSON.parse(payload.toString());
      if (++count === s.messages) tLast = performance.timeOrigin + performance.now();
    });
    await client.subscribeAsync('/merakimv/#', { qos: 0 });
    collectGarbage();
    const { started, published } = child.publish(clientId, approx);
    const t0 = await started;
    const end = Date.now() + STALL_MS * 4;
    while (count < s.messages && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    if (count < s.messages) problem(`raw subscriber got ${count} of ${s.messages} messages`);
    const tPub = await published;
    return { rate: s.messages / ((tLast - t0) / 1000), publishRate: s.messages / ((tPub - t0) / 1000) };
  } finally {
    await client.endAsync();
  }
}

async function mqttRun(child: Child, variant: 'ours' | 'base', approx: number, run: number, tmp: string): Promise<MqttRun> {
  const s = scenario(approx);
  const clientId = `bench-nodered-${variant}-${run}`;
  const broker = {
    id: 'broker', type: 'mqtt-broker', name: 'bench', broker: '127.0.0.1', port: String(child.port), clientid: clientId,
    autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true, autoUnsubscribe: true,
    birthTopic: '', closeTopic: '', willTopic: '',
  };
  const mqttIn = {
    id: 'in', type: 'mqtt in', name: '', topic: '/merakimv/#', qos: '0', datatype: 'auto-detect', broker: 'broker',
    nl: false, rap: true, rh: 0, inputs: 0, wires: [[variant === 'ours' ? 'parse' : 'sink']],
  };
  const csvFile = path.join(tmp, `run-${run}`, 'mvData.csv');
  const flow: object[] = [broker, mqttIn, { id: 'sink', type: 'helper' }];
  const modules = [red.coreMqttNodes()];
  if (variant === 'ours') {
    flow.push(
      { id: 'parse', type: 'mv-sense-parse', name: '', cameras: '', zones: '', wires: [['detect']] },
      {
        id: 'detect', type: 'activity-detector', name: '', peopleThreshold: '1', minMessages: '50', minPeak: '1',
        timeoutMessages: '20', pauseSeconds: '5', idleSeconds: '120', wires: [['store'], ['dismissed']],
      },
      { id: 'dismissed', type: 'helper' },
      { id: 'store', type: 'csv-store', name: '', filename: csvFile, columns: MV_COLUMNS, serve: false, wires: [['sink']] },
    );
    modules.push(red.ourNode('mv-sense-parse'), red.ourNode('activity-detector'), red.ourNode('csv-store'));
  }
  await red.load(modules, flow);
  try {
    const sink = red.counter('sink');
    const target = variant === 'ours' ? s.activities : s.messages;
    collectGarbage();
    const done = completion(sink, target, `${variant} over MQTT`);
    done.catch(() => undefined);
    const { started, published } = child.publish(clientId, approx);
    const t0 = await started;
    const tEnd = performance.timeOrigin + (await done);
    const tPub = await published;
    const result: MqttRun = {
      rate: s.messages / ((tEnd - t0) / 1000),
      publishRate: s.messages / ((tPub - t0) / 1000),
    };
    if (variant === 'ours') {
      const lines = fs.readFileSync(csvFile, 'utf8').split('\n');
      const rows = lines.length - 1; // the file ends with a line break
      result.csvOk = lines[0] === MV_COLUMNS && rows === s.activities + 1 && lines[rows] === '';
      if (!result.csvOk) {
        problem(`mvData.csv has ${rows} lines (header "${lines[0]}"), expected the header + ${s.activities} activities`);
      }
    }
    return result;
  } finally {
    await red.unload();
  }
}

async function overMqtt(): Promise<{ ours: number; base: number }> {
  const s = scenario(MQTT_MESSAGES);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mv-'));
  const child = await startBrokerChild();
  try {
    heading(
      `(b) end to end over MQTT: aedes + mqtt.js publisher (QoS 0) in a child process, ${int(s.messages)} messages per run; ` +
        `Node-RED's mqtt in (datatype auto-detect) in this process`,
    );
    let run = 0;
    await rawRun(child, MQTT_MESSAGES / 4, run++); // warm-up
    await mqttRun(child, 'base', MQTT_MESSAGES / 4, run++, tmp);
    await mqttRun(child, 'ours', MQTT_MESSAGES / 4, run++, tmp);
    const raw: MqttRun[] = [];
    const base: MqttRun[] = [];
    const ours: MqttRun[] = [];
    for (let i = 0; i < MQTT_REPS; i++) {
      raw.push(await rawRun(child, MQTT_MESSAGES, run++));
      base.push(await mqttRun(child, 'base', MQTT_MESSAGES, run++, tmp));
      ours.push(await mqttRun(child, 'ours', MQTT_MESSAGES, run++, tmp));
    }
    const r = median(raw.map((x) => x.rate));
    const b = median(base.map((x) => x.rate));
    const o = median(ours.map((x) => x.rate));
    const runs = (rs: MqttRun[]) => rs.map((x) => int(x.rate)).join(', ');
    const pub = (rs: MqttRun[]) => int(median(rs.map((x) => x.publishRate)));
    line('raw mqtt.js subscriber', `${rate(r)}  (median of ${MQTT_REPS}; runs ${runs(raw)}; publisher ${pub(raw)} msg/s)`);
    line('mqtt in → sink', `${rate(b)}  (median of ${MQTT_REPS}; runs ${runs(base)}; publisher ${pub(base)} msg/s)`);
    line('mqtt in → parse → detect → csv', `${rate(o)}  (median of ${MQTT_REPS}; runs ${runs(ours)}; publisher ${pub(ours)} msg/s)`);
    line('ratio ours / mqtt in', `${(o / b).toFixed(2)}  (${pct(o / b)})`);
    line('ratio ours / raw mqtt.js', `${(o / r).toFixed(2)}  (${pct(o / r)}); mqtt in / raw ${(b / r).toFixed(2)}`);
    line('target (issue)', `ours >= ${pct(TARGET_RATIO)} of mqtt in: ${o / b >= TARGET_RATIO ? 'met' : 'NOT met'}; ` +
      `ours >= ${int(TARGET_RATE)} msg/s: ${o >= TARGET_RATE ? 'met' : 'NOT met'}`);
    const okRuns = ours.filter((r) => r.csvOk).length;
    line('sanity: mvData.csv', `${okRuns} of ${ours.length} measured runs hold exactly header + ${int(s.activities)} rows`);
    if (base.some((r) => r.publishRate < r.rate * 1.1)) {
      line('note', 'the baseline ran about as fast as the publisher: it is publisher-bound, so the ratio is an upper bound');
    }
    return { ours: o, base: b };
  } finally {
    await child.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

export async function run(): Promise<void> {
  const started = Date.now();
  console.log(`MV path bench (Node.js ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'})`);
  console.log('  Node-RED runtime via node-red-node-test-helper; its sinon spies on Node.prototype are removed after load;');
  console.log('  runtime console logging off (helper default); our nodes unchanged (status updates on, throttled)');
  await red.start();
  try {
    await inProcess();
    await overMqtt();
  } finally {
    await red.stop();
  }
  console.log(`\n  mv-path done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (broken) process.exitCode = 1;
}

if (require.main === module) runMain(run);
