/** Test helpers: a seeded generator, a pause, and "this promise must reject with that class". */
import { strict as assert } from 'assert';
import { inspect } from 'util';

/** A small seeded generator (mulberry32): reproducible pseudo-random integers in [0, n). */
export function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The rejection of `p`, which must reject with an instance of `type`. */
export async function rejection<E extends Error>(p: Promise<unknown>, type: new (...args: any[]) => E): Promise<E> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof type, `expected a ${type.name}, got ${inspect(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}
