/**
 * The one shape of a check's outcome in src/lib: `{ ok: true, value }`, or `{ ok: false, reason }`
 * with a readable reason (and, where a caller needs it, more fields: an HTTP status, why a message
 * was passed over). Checks never change what they are given.
 */
export type Ok<T> = { ok: true; value: T };
export type Failed<F = unknown> = { ok: false; reason: string } & F;
export type Result<T, F = unknown> = Ok<T> | Failed<F>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function failed(reason: string): Failed {
  return { ok: false, reason };
}
