/**
 * csv-store: appends records to a CSV file (src/lib/csv-file), passes each message on once its
 * rows were handed to the OS, and optionally serves the file at GET /analytics/<file>.csv.
 * Nodes that name the same file share one writer, so its lines never interleave.
 */
import * as path from 'path';
import * as fs from 'fs';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Request, Response, NextFunction } from 'express';
import { CsvFile } from '../../src/lib/csv-file';
import { headerLine, parseColumns } from '../../src/lib/csv';
import { expandEnv } from '../../src/lib/env';
import { compact } from '../../src/lib/format';
import { malformedUrl } from '../../src/lib/server-guard';
import { reportError } from '../../src/red/report';
import { ThrottledStatus } from '../../src/red/status';

interface CsvStoreDef extends NodeDef {
  filename: string;
  columns: string;
  serve: boolean;
  /** the message property holding the records; default payload */
  property?: string;
}

interface Shared {
  file: CsvFile;
  users: number;
  fixed: string | null;
}

/** Warn when this many rows wait for the disk. */
const BACKLOG_WARN = 100_000;
/** On close: the input must have been quiet this long (ms)… */
const CLOSE_QUIET_MS = 150;
/** …but the close waits at most this long (Node-RED gives a node 15 s). */
const CLOSE_WAIT_MAX_MS = 10_000;

export = function (RED: NodeAPI): void {
  /** One writer per absolute path, shared by every node that names it. */
  const files = new Map<string, Shared>();
  /** Download name (basename) → absolute path and the node serving it. */
  const downloads = new Map<string, { file: string; node: Node }>();

  function acquire(file: string, columns: string[] | null, warn: (t: string) => void): CsvFile {
    const fixed = columns ? columns.join(',') : null;
    let shared = files.get(file);
    if (shared) {
      if (fixed !== null && shared.fixed !== null && shared.fixed !== fixed) {
        throw new Error(RED._('csv-store.errors.columns', { file }));
      }
      shared.users += 1;
      return shared.file;
    }
    shared = { file: new CsvFile({ file, columns, warn }), users: 1, fixed };
    files.set(file, shared);
    return shared.file;
  }

  async function release(file: string): Promise<void> {
    const shared = files.get(file);
    if (!shared) return;
    shared.users -= 1;
    if (shared.users > 0) {
      await shared.file.flush();
      return;
    }
    files.delete(file);
    await shared.file.close();
  }

  function download(req: Request, res: Response, next: NextFunction): void {
    const name = String(req.params.file ?? '');
    const entry = downloads.get(name);
    if (!name.endsWith('.csv') || !entry) {
      next();
      return;
    }
    const shared = files.get(entry.file);
    const size = shared ? shared.file.committedSize : 0;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (size === 0) {
      const columns = shared?.file.header;
      if (columns) res.status(200).send(headerLine(columns));
      else res.status(404).json({ error: `${name} has no data yet` });
      return;
    }
    // Only complete, acknowledged lines: a write under way is not served half.
    res.setHeader('Content-Length', String(size));
    const stream = fs.createReadStream(entry.file, { start: 0, end: size - 1 });
    stream.on('error', (err) => {
      if (!res.headersSent) res.status(500).json({ error: 'could not read the file' });
      else res.destroy(err);
    });
    stream.pipe(res);
  }

  const httpNode = (RED as unknown as { httpNode?: { get: (p: string, h: typeof download) => void; use: (p: string, h: typeof malformedUrl) => void } }).httpNode;
  if (httpNode) {
    httpNode.get('/analytics/:file', download);
    httpNode.use('/analytics', malformedUrl); // /analytics/%.csv: a plain 400, not a stack trace
  }

  function CsvStoreNode(this: Node, config: CsvStoreDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let file: CsvFile | null = null;
    let filePath = '';
    const property = typeof config.property === 'string' && config.property.trim() ? config.property.trim() : 'payload';
    let stored = 0;
    /** shown as a red ring: a settings problem (permanent) or the last write failed */
    let failure: string | null = null;
    let misconfigured = false;
    const status = new ThrottledStatus(node, () => {
      if (failure) return { fill: 'red', shape: 'ring', text: failure };
      const backlog = file ? file.backlog : 0;
      if (backlog >= BACKLOG_WARN) {
        return { fill: 'yellow', shape: 'ring', text: RED._('csv-store.status.backlog', { n: compact(backlog) }) };
      }
      return { fill: 'green', shape: 'dot', text: RED._('csv-store.status.rows', { n: compact(stored) }) };
    });

    try {
      const raw = String(config.filename ?? '').trim();
      if (!raw) throw new Error(RED._('csv-store.errors.noFile'));
      const expanded = expandEnv(raw, (name) => RED.util.getSetting(node, name));
      const base = (RED.settings as unknown as { fileWorkingDirectory?: string }).fileWorkingDirectory || process.cwd();
      filePath = path.resolve(base, expanded);
      if (config.serve && path.extname(filePath).toLowerCase() !== '.csv') {
        throw new Error(RED._('csv-store.errors.notCsv'));
      }
      file = acquire(filePath, parseColumns(config.columns), (text) => node.warn(text));
    } catch (err) {
      misconfigured = true;
      failure = RED._('csv-store.status.config');
      node.error((err as Error).message);
      status.set({ fill: 'red', shape: 'ring', text: failure });
    }

    if (file) {
      const f = file;
      f.open().then(
        () => status.touch(),
        (err: Error) => {
          failure = RED._('csv-store.status.failed');
          node.error(RED._('csv-store.errors.open', { file: filePath, reason: err.message }));
          status.touch();
        },
      );
      if (config.serve) {
        const name = path.basename(filePath);
        const other = downloads.get(name);
        if (other && other.file !== filePath) {
          node.warn(RED._('csv-store.errors.serveTaken', { name }));
        } else if (!other) {
          downloads.set(name, { file: filePath, node });
        }
      }
    }

    let lastInput = 0;
    node.on('input', (msg, send, done) => {
      lastInput = Date.now();
      if (!file) {
        reportError(node, RED._('csv-store.errors.notReady'), msg);
        done();
        return;
      }
      const p = property === 'payload' ? msg.payload : RED.util.getMessageProperty(msg, property);
      const list = Array.isArray(p) ? p : [p];
      for (const r of list) {
        if (typeof r !== 'object' || r === null || Array.isArray(r) || Buffer.isBuffer(r)) {
          reportError(node, RED._('csv-store.errors.record', { property }), msg);
          done();
          return;
        }
      }
      file.append(list as Record<string, unknown>[]).then(
        () => {
          stored += list.length;
          if (!misconfigured) failure = null;
          status.touch();
          send(msg);
          done();
        },
        (err: Error) => {
          failure = RED._('csv-store.status.failed');
          status.touch();
          reportError(node, RED._('csv-store.errors.write', { file: filePath, reason: err.message }), msg);
          done();
        },
      );
      if (file.backlog >= BACKLOG_WARN) status.touch();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.stop();
      for (const [name, d] of downloads) if (d.node === node) downloads.delete(name);
      if (!file) {
        done();
        return;
      }
      // Messages sent just before the stop (e.g. the rest of an accepted Scanning API post) are
      // still on their way: take them until the input has been quiet for a moment, then close.
      const deadline = Date.now() + CLOSE_WAIT_MAX_MS;
      const quiet = (): Promise<void> =>
        new Promise((resolve) => {
          const check = (): void => {
            if (Date.now() >= deadline || (Date.now() - lastInput >= CLOSE_QUIET_MS && file!.backlog === 0)) resolve();
            else setTimeout(check, 25);
          };
          check();
        });
      quiet().then(() => release(filePath)).then(done, (err: Error) => {
        node.error(RED._('csv-store.errors.write', { file: filePath, reason: err.message }));
        done();
      });
    });
  }

  RED.nodes.registerType('csv-store', CsvStoreNode);
};
