/**
 * csv-store: appends the records of each message to a CSV file (src/lib/csv-file, shared per path
 * by src/lib/csv-files), passes the message on once its rows were handed to the OS, and optionally
 * serves the file at GET /analytics/<file>.csv (src/lib/csv-download, through src/red/route).
 * On close it takes every message already on its way to it, then writes out its queue.
 */
import * as path from 'path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { CsvFile } from '../../src/lib/csv-file';
import { sendCsvFile } from '../../src/lib/csv-download';
import { SharedCsvFiles } from '../../src/lib/csv-files';
import { attachedLines, parseColumns } from '../../src/lib/csv';
import { compact } from '../../src/lib/format';
import { acknowledge, spoolTag } from '../../src/lib/spool';
import { dataPath, failConfig } from '../../src/red/config';
import { Arrivals } from '../../src/red/close';
import { failMessage } from '../../src/red/report';
import { Routes } from '../../src/red/route';
import { ThrottledStatus } from '../../src/red/status';

interface CsvStoreDef extends NodeDef {
  filename: string;
  columns: string;
  serve: boolean;
  /** the message property holding the records; default payload */
  property?: string;
}

/** Warn when this many rows wait for the disk. */
const BACKLOG_WARN = 100_000;

const isRecord = (r: unknown): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r) && !Buffer.isBuffer(r);

export = function (RED: NodeAPI): void {
  const files = new SharedCsvFiles();
  /** download name (basename) → the node serving it, with the absolute path */
  const downloads = new Routes<string>(RED, {
    methods: ['get'],
    path: () => '/analytics/:file',
    key: (req) => (String(req.params.file ?? '').endsWith('.csv') ? String(req.params.file) : undefined),
  });

  function CsvStoreNode(this: Node, config: CsvStoreDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const property = typeof config.property === 'string' && config.property.trim() ? config.property.trim() : 'payload';
    let file: CsvFile;
    try {
      const filePath = dataPath(RED, node, config.filename);
      if (!filePath) throw new Error(RED._('csv-store.errors.noFile'));
      if (config.serve && path.extname(filePath).toLowerCase() !== '.csv') throw new Error(RED._('csv-store.errors.notCsv'));
      file = files.acquire(filePath, parseColumns(config.columns), (text) => node.warn(text));
    } catch (err) {
      failConfig(node, (err as Error).message, RED._('csv-store.status.config'), RED._('csv-store.errors.notReady'));
      return;
    }

    let stored = 0;
    const status = new ThrottledStatus(node, () =>
      file.backlog >= BACKLOG_WARN
        ? { fill: 'yellow', shape: 'ring', text: RED._('csv-store.status.backlog', { n: compact(file.backlog) }) }
        : { fill: 'green', shape: 'dot', text: RED._('csv-store.status.rows', { n: compact(stored) }) },
    );
    file.open().then(
      () => status.touch(),
      (err: Error) => {
        status.setFailed(RED._('csv-store.status.failed'));
        node.error(RED._('csv-store.errors.open', { file: file.file, reason: err.message }));
      },
    );
    if (config.serve) {
      const name = path.basename(file.file);
      const claim = downloads.claim(node, name, { get: (_req, res) => sendCsvFile(res, name, files.get(file.file)) }, file.file);
      if (!claim.ok && claim.data !== file.file) node.warn(RED._('csv-store.errors.serveTaken', { name }));
    }

    const arrivals = new Arrivals();
    node.on('input', (msg, send, done) => {
      arrivals.arrived();
      const p = property === 'payload' ? msg.payload : RED.util.getMessageProperty(msg, property);
      const list: unknown[] = Array.isArray(p) ? p : [p];
      if (!list.every(isRecord)) {
        failMessage(node, msg, done, RED._('csv-store.errors.record', { property }));
        return;
      }
      // Rows from a receiver's spool: stored exactly once, and reported back as written.
      const tag = spoolTag((msg as { _spool?: unknown })._spool);
      const tagged = tag && tag.count === list.length ? tag : null;
      // lines the receiver's worker formatted for this node, when the batch came straight from it
      const lines = attachedLines(list, node.id);
      (tagged ? file.appendOnce(list, tagged, lines) : file.append(list, lines).then(() => list.length)).then(
        (written) => {
          stored += written;
          status.clearFailed();
          if (tagged) acknowledge(tagged, node.id, tagged.count);
          status.touch();
          // a replayed batch the file held already went on before the restart
          if (!tagged || written > 0 || list.length === 0) send(msg);
          done();
        },
        (err: Error) => {
          status.setFailed(RED._('csv-store.status.failed'));
          failMessage(node, msg, done, RED._('csv-store.errors.write', { file: file.file, reason: err.message }), status);
        },
      );
      if (file.backlog >= BACKLOG_WARN) status.touch();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.stop();
      arrivals
        .settled()
        .then(() => files.release(file.file))
        .then(done, (err: Error) => {
          node.error(RED._('csv-store.errors.write', { file: file.file, reason: err.message }));
          done();
        });
    });
  }

  RED.nodes.registerType('csv-store', CsvStoreNode);
};
