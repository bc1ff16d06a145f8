/**
 * A small HTTP server on 127.0.0.1 standing in for the Dashboard API or a snapshot host in tests:
 * it records every request (method, URL, headers, body, arrival time) and hands it to a handler
 * that the test can swap at any time.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** arrival time (server side) */
  at: number;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, hit: Hit) => void;

export interface TestServer {
  origin: string;
  port: number;
  hits: Hit[];
  handle: Handler;
  close(): Promise<void>;
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function send(res: http.ServerResponse, status: number, body: Buffer | string = '', type?: string): void {
  res.writeHead(status, type ? { 'Content-Type': type } : {});
  res.end(body);
}

export async function startServer(handle: Handler = (_req, res) => json(res, 404, { errors: ['Not found'] })): Promise<TestServer> {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit: Hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at };
      hits.push(hit);
      try {
        ts.handle(req, res, hit);
      } catch (err) {
        res.statusCode = 599; // a broken handler shows as an odd status, not a hang
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const ts: TestServer = {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    handle,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return ts;
}
