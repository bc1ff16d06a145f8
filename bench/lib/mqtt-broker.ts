/**
 * Child process of the MV bench: an aedes broker on a free loopback port plus an mqtt.js client
 * that publishes the scenario (QoS 0) when the parent asks, so that neither shares the Node-RED
 * process's CPU. Talks to the parent over IPC:
 *
 *   child → parent  { type: 'ready', port }
 *   parent → child  { type: 'publish', id, clientId, filter, approx, pass }
 *                   waits until `clientId` has subscribed to `filter`, then publishes
 *   child → parent  { type: 'started', id, t }  just before the first publish
 *                   { type: 'published', id, t, n }  once every packet was handed to the socket
 *   parent → child  { type: 'stop' }  (or the IPC channel closes): shut down and exit
 *
 * Times are high-resolution epoch ms (performance.timeOrigin + performance.now()), comparable
 * across processes on one machine.
 */
import * as net from 'net';
import { connect } from 'mqtt';
import { message, scenario } from './scenario';

const CHUNK = 1000;

function now(): number {
  return performance.timeOrigin + performance.now();
}

function send(msg: object): void {
  if (process.send) process.send(msg);
}

async function main(): Promise<void> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle as (socket: net.Socket) => void);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  /** clientId → filters it currently holds */
  const subscribed = new Map<string, Set<string>>();
  const waiters: (() => void)[] = [];
  broker.on('subscribe', (subs: { topic: string }[], client: { id: string } | null) => {
    if (!client) return;
    let set = subscribed.get(client.id);
    if (!set) subscribed.set(client.id, (set = new Set()));
    for (const s of subs) set.add(s.topic);
    for (const w of waiters.splice(0)) w();
  });
  broker.on('clientDisconnect', (client: { id: string }) => {
    subscribed.delete(client.id);
  });
  const hasSubscribed = (clientId: string, filter: string) => subscribed.get(clientId)?.has(filter) ?? false;

  const publisher = connect(`mqtt://127.0.0.1:${port}`, {
    clientId: 'bench-publisher',
    reconnectPeriod: 0,
    keepalive: 0,
  });
  await new Promise<void>((resolve, reject) => {
    publisher.once('connect', () => resolve());
    publisher.once('error', reject);
  });

  const publishOne = (topic: string, payload: string): Promise<void> =>
    new Promise((resolve, reject) => {
      publisher.publish(topic, payload, { qos: 0 }, (err) => (err ? reject(err) : resolve()));
    });

  async function publish(req: { id: number; clientId: string; filter: string; approx: number; pass: number }) {
    const deadline = Date.now() + 15_000;
    while (!hasSubscribed(req.clientId, req.filter)) {
      if (Date.now() > deadline) {
        send({ type: 'error', id: req.id, message: `${req.clientId} never subscribed to ${req.filter}` });
        return;
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    const s = scenario(req.approx, req.pass);
    send({ type: 'started', id: req.id, t: now() });
    for (let i = 0; i < s.messages; ) {
      const end = Math.min(s.messages, i + CHUNK);
      for (; i < end - 1; i++) {
        const m = message(s, i);
        publisher.publish(m.topic, m.payload, { qos: 0 });
      }
      // the chunk's last packet: its callback waits for 'drain' when the socket is full
      const m = message(s, i++);
      await publishOne(m.topic, m.payload);
    }
    send({ type: 'published', id: req.id, t: now(), n: s.messages });
  }

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    publisher.end(true, () => {
      broker.close(() => {
        server.close(() => process.exit(0));
      });
    });
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('message', (msg: any) => {
    if (msg?.type === 'publish') {
      publish(msg).catch((err: Error) => send({ type: 'error', id: msg.id, message: err.message }));
    } else if (msg?.type === 'stop') {
      stop();
    }
  });
  process.on('disconnect', stop);
  send({ type: 'ready', port });
}

main().catch((err) => {
  console.error('mqtt broker child:', err);
  process.exit(1);
});
