/**
 * A CSV file as an HTTP download: only complete, acknowledged lines (CsvFile.committedSize), so a
 * write under way is never served half; the header alone while the file has no rows yet; 404 when
 * there is nothing at all. Express types only; no Node-RED.
 */
import * as fs from 'fs';
import type { Response } from 'express';
import type { CsvFile } from './csv-file';
import { headerLine } from './csv';

export function sendCsvFile(res: Response, name: string, file: CsvFile | undefined): void {
  const size = file ? file.committedSize : 0;
  res.attachment(name);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (!file || size === 0) {
    const columns = file?.header;
    if (columns) res.status(200).send(headerLine(columns));
    else res.status(404).json({ error: `${name} has no data yet` });
    return;
  }
  res.setHeader('Content-Length', String(size));
  const stream = fs.createReadStream(file.file, { start: 0, end: size - 1 });
  stream.on('error', (err) => {
    if (!res.headersSent) res.status(500).json({ error: 'could not read the file' });
    else res.destroy(err);
  });
  stream.pipe(res);
}
