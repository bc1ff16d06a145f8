/**
 * MAC addresses as the Scanning API and users write them (any case, `:`/`-`/`.` or none) and the
 * keyed hash that replaces them when the privacy option is on.
 */
import { createHmac } from 'crypto';

export { normaliseMac } from './mac-format';

export type MacHashFormat = 'mac' | 'hex';

/**
 * A stable pseudonym for a MAC: HMAC-SHA-256 keyed with a secret salt, so it cannot be reversed
 * by hashing every possible MAC without the salt. `mac` gives a MAC-shaped value (locally
 * administered, unicast: it can never be a real vendor MAC); `hex` a 16-character id.
 */
export function hashMac(mac: string, salt: string, format: MacHashFormat = 'mac'): string {
  const digest = createHmac('sha256', salt).update(mac).digest();
  if (format === 'hex') return digest.subarray(0, 8).toString('hex');
  const bytes = digest.subarray(0, 6);
  bytes[0] = (bytes[0] | 0x02) & 0xfe;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}
