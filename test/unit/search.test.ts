import { strict as assert } from 'assert';
import { firstIndex } from '../../src/lib/search';

describe('firstIndex (the one binary search)', () => {
  it('finds the first index where the test turns true, within [lo, hi)', () => {
    const ts = [1, 2, 2, 2, 5, 9];
    const lower = (t: number, lo = 0) => firstIndex(lo, ts.length, (i) => ts[i] >= t);
    const upper = (t: number, lo = 0) => firstIndex(lo, ts.length, (i) => ts[i] > t);
    assert.equal(lower(2), 1);
    assert.equal(upper(2), 4);
    assert.equal(lower(0), 0);
    assert.equal(upper(9), 6, 'never true: hi');
    assert.equal(lower(3), 4);
    assert.equal(upper(2, 5), 5, 'searched from lo');
    assert.equal(firstIndex(3, 3, () => true), 3, 'empty range');
  });

  it('agrees with a linear scan on random sorted arrays', () => {
    let x = 7;
    const rnd = () => (x = (x * 48271) % 2147483647) % 50;
    for (let n = 0; n < 200; n++) {
      const a = Array.from({ length: n % 37 }, rnd).sort((p, q) => p - q);
      const t = rnd();
      const linear = a.findIndex((v) => v > t);
      assert.equal(firstIndex(0, a.length, (i) => a[i] > t), linear < 0 ? a.length : linear);
    }
  });
});
