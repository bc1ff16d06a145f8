import { strict as assert } from 'assert';
import { compact } from '../../src/lib/format';

describe('format', () => {
  describe('compact', () => {
    it('below 1000: the number itself', () => {
      assert.equal(compact(0), '0');
      assert.equal(compact(7), '7');
      assert.equal(compact(950), '950');
      assert.equal(compact(999), '999');
      assert.equal(compact(-950), '-950');
    });

    it('thousands: one decimal below 10k, whole above; no ".0"', () => {
      assert.equal(compact(1000), '1k');
      assert.equal(compact(1049), '1k');
      assert.equal(compact(1050), '1.1k');
      assert.equal(compact(9500), '9.5k');
      assert.equal(compact(12000), '12k');
      assert.equal(compact(12499), '12k');
      assert.equal(compact(12500), '13k');
      assert.equal(compact(345678), '346k');
    });

    it('millions and billions', () => {
      assert.equal(compact(1_000_000), '1M');
      assert.equal(compact(1_200_000), '1.2M');
      assert.equal(compact(45_600_000), '46M');
      assert.equal(compact(2_500_000_000), '2.5G');
    });

    it('negative numbers keep their sign', () => {
      assert.equal(compact(-1500), '-1.5k');
      assert.equal(compact(-12000), '-12k');
      assert.equal(compact(-1_200_000), '-1.2M');
    });

    it('stays short (at most 4 characters for 0..999 499)', () => {
      for (let n = 0; n < 999_500; n += 37) {
        assert.ok(compact(n).length <= 4, `${n} → ${compact(n)}`);
      }
    });

    it('goes up a unit instead of printing 1000k, and never prints NaN', () => {
      assert.equal(compact(999_999), '1M');
      assert.equal(compact(999_999_999), '1G');
      assert.equal(compact(NaN), '?');
      assert.equal(compact(Infinity), '?');
    });
  });
});
