/**
 * MAC addresses as the Scanning API and users write them (any case, `:`/`-`/`.` or none).
 * Free of Node.js modules: the editor's setting checks use it too (src/lib/editor-rules.ts).
 */

/** `AA-BB-CC-DD-EE-FF`, `aabb.ccdd.eeff`, … → `aa:bb:cc:dd:ee:ff`; anything else → null. */
const CANONICAL = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

export function normaliseMac(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 32) return null;
  if (value.length === 17 && CANONICAL.test(value)) return value; // already aa:bb:cc:dd:ee:ff
  const hex = value.replace(/[:\-.\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.replace(/(..)(?!$)/g, '$1:');
}
