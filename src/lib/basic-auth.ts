/**
 * HTTP basic authentication for the dashboard and the /analytics downloads (settings.js): the
 * check, in constant time, and the paths it leaves open (the Scanning API receiver, which Meraki
 * must reach and which checks its own secret).
 */
import { createHash, timingSafeEqual } from 'crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when `header` ("Basic base64(user:password)") carries exactly these credentials. */
export function checkBasicAuth(header: unknown, user: string, password: string): boolean {
  if (typeof header !== 'string' || header.length > 4096) return false;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return false;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return false;
  const okUser = timingSafeEqual(digest(text.slice(0, colon)), digest(user));
  const okPassword = timingSafeEqual(digest(text.slice(colon + 1)), digest(password));
  return okUser && okPassword;
}

/**
 * Whether a request path is one of `prefixes` or below it (`/cmx` covers `/cmx` and `/cmx/x`, not
 * `/cmxx`): the paths left open when the dashboard is protected, the websocket paths that need it.
 */
export function isUnder(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : p + '/'));
}
