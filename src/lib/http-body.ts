/**
 * Reads a JSON request body with a size limit, whether or not an earlier middleware (Node-RED's
 * admin app parses every JSON body when the editor is at `/`) already parsed it.
 */
import type { IncomingMessage } from 'http';

/** `raw` (asked with `{ raw: true }`): the bytes read, null when an earlier middleware parsed the body. */
export type BodyResult = { ok: true; body: unknown; bytes: number; raw?: Buffer | null } | { ok: false; status: 400 | 413; error: string };

type MaybeParsed = IncomingMessage & { body?: unknown; _body?: boolean };

export function readJsonBody(req: MaybeParsed, limit: number, options: { raw?: boolean } = {}): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve({ ok: false, status: 413, error: `body larger than ${limit} bytes` });
  }
  if (req._body) {
    // Parsed upstream (body-parser marks it so); its own limit applied.
    const bytes = Number.isFinite(declared) ? declared : 0;
    return Promise.resolve(options.raw ? { ok: true, body: req.body, bytes, raw: null } : { ok: true, body: req.body, bytes });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.pause();
        finish({ ok: false, status: 413, error: `body larger than ${limit} bytes` });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const raw = Buffer.concat(chunks, size);
      let text = raw.toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      try {
        const body = JSON.parse(text);
        finish(options.raw ? { ok: true, body, bytes: size, raw } : { ok: true, body, bytes: size });
      } catch {
        finish({ ok: false, status: 400, error: 'invalid JSON' });
      }
    };
    const onError = (): void => finish({ ok: false, status: 400, error: 'request aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
