/**
 * What the receiver's post worker does with a post (src/lib/post-worker.ts runs it on a worker
 * thread, or on the caller's thread): the body's bytes → JSON.parse → the SPEC's checks in order
 * (scanning.ts: 400 no data, 403 secret, 400 version, 400 type) → the text kept in the spool (the
 * secret blanked) → one-pass normalisation, filtering and anonymisation (PostNormaliser) → the
 * cmxData.csv lines of the kept observations (formatObservations, when a csv-store will write them) →
 * the observations in columns (post-codec.ts). Framework-free and thread-free: each request gets
 * one reply, and the caller moves the listed buffers with it.
 */
import type { MacHashFormat } from './mac';
import { CSV_COLUMNS, formatObservations } from './csv';
import { parseJsonBytes } from './http-body';
import { EncodedObservations, encodeObservations } from './post-codec';
import { checkPost, ObservationFilter, PostNormaliser, readPost, Radio } from './scanning';
import { spoolBody } from './spool';

/** What a worker is set up with (structured-clone friendly: the filter's Set clones). */
export interface ProcessorConfig {
  secret: string;
  filter: ObservationFilter;
  anonymise?: { salt: string; format: MacHashFormat };
  /** times ahead of the wall clock allowed (ms); undefined: the default bound */
  toleranceMs?: number;
}

export interface PostRequest {
  id: number;
  /** `post`: from the network (secret checked, spool text made); `replay`: from the spool (checked when it came) */
  kind: 'post' | 'replay';
  /** the body as received; null when an earlier middleware parsed it (then `parsed`) */
  body: Uint8Array | null;
  parsed?: unknown;
  /** the wall clock at arrival, for the time bounds */
  now: number;
  /** format the cmxData.csv lines too (a csv-store will write them) */
  lines: boolean;
}

export interface PostSummary {
  version: string;
  type: string;
  radio: Radio;
}

/** A post that passed the checks, processed. */
export interface ProcessedPost {
  post: PostSummary;
  /** the kept observations, in post order */
  observations: EncodedObservations;
  /** their lines in CSV_COLUMNS.cmxData order, one per observation (UTF-8), when asked */
  lines: Uint8Array | null;
  /** the post as the spool keeps it (kind `post`) */
  spool: Uint8Array | null;
  /** observations refused for their time, and why the last one was */
  refused: number;
  lastRefusal: string | null;
}

export type PostReply =
  | ({ id: number; ok: true } & ProcessedPost)
  /** 400/403: the SPEC's refusals; 503: the post could not be processed now (a fault, or the worker stopped) */
  | { id: number; ok: false; status: 400 | 403 | 503; error: string; fault?: string };

/** The columns the lines are formatted in (a csv-store with other columns formats its own). */
export const LINE_COLUMNS: readonly string[] = CSV_COLUMNS.cmxData;

export class PostProcessor {
  /** MAC → keyed hash, kept between posts */
  private readonly hashes = new Map<string, string>();

  constructor(private readonly config: ProcessorConfig) {}

  /** One request → its reply, and the buffers to move with it. Never throws. */
  handle(req: PostRequest): { reply: PostReply; transfer: ArrayBuffer[] } {
    try {
      return this.process(req);
    } catch (err) {
      return { reply: { id: req.id, ok: false, status: 503, error: 'could not process the post, retry later', fault: (err as Error).message }, transfer: [] };
    }
  }

  private process(req: PostRequest): { reply: PostReply; transfer: ArrayBuffer[] } {
    const { id } = req;
    let body: unknown = req.parsed;
    if (req.body) {
      const parsed = parseJsonBytes(req.body);
      if (!parsed.ok) return { reply: { id, ok: false, status: 400, error: parsed.reason }, transfer: [] };
      body = parsed.value;
    }
    const verdict = req.kind === 'post' ? checkPost(body, this.config.secret) : readPost(body);
    if (!verdict.ok) return { reply: { id, ok: false, status: verdict.status, error: verdict.error }, transfer: [] };
    const post = verdict.post;
    const c = this.config;
    const work = new PostNormaliser(post, {
      filter: c.filter,
      anonymise: c.anonymise && { ...c.anonymise, cache: this.hashes },
      limits: { now: req.now, toleranceMs: c.toleranceMs },
    });
    work.step(Infinity);
    const list = work.result();
    const observations = encodeObservations(list);
    const lines = req.lines && list.length ? Buffer.from(formatObservations(list, true), 'utf8') : null;
    const raw = req.body ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength) : null;
    const spool = req.kind === 'post' ? spoolBody(raw, body as Record<string, unknown>, c.secret) : null;
    const reply: PostReply = {
      id, ok: true, post: { version: post.version, type: post.type, radio: post.radio }, observations,
      lines: lines && alone(lines), spool: spool && alone(spool), refused: work.refused, lastRefusal: work.lastRefusal,
    };
    const transfer = [observations.num, observations.codes, reply.lines, reply.spool].filter((b) => b !== null).map((b) => b.buffer as ArrayBuffer);
    return { reply, transfer };
  }
}

/** Whether a view covers its whole ArrayBuffer (so that moving the buffer moves just it). */
export function whole(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer);
}

/** The view itself when it has its buffer to itself, else a copy that has (a pooled Buffer shares its buffer with others). */
export function alone(b: Uint8Array): Uint8Array {
  return whole(b) ? b : new Uint8Array(b);
}
