import { strict as assert } from 'assert';
import { isUnset, numberOption, numberOptions, numberOr } from '../../src/lib/options';

describe('number options (src/lib/options)', function () {
  it('an empty, blank, missing or null setting takes the default', function () {
    for (const raw of [undefined, null, '', '   ']) {
      assert.equal(isUnset(raw), true);
      assert.equal(numberOption('x', raw, { default: 7, min: 1 }), 7);
    }
    assert.equal(isUnset(0), false);
  });

  it('numbers and numeric text within the limits pass; the rest throw naming the setting', function () {
    assert.equal(numberOption('x', ' 12 ', { default: 1, min: 1 }), 12);
    assert.equal(numberOption('x', 2.5, { default: 1 }), 2.5);
    assert.throws(() => numberOption('windowS', 'abc', { default: 1, min: 0 }), /^Error: windowS must be a number ≥ 0$/);
    assert.throws(() => numberOption('n', 2.5, { default: 1, min: 1, integer: true }), /n must be a whole number ≥ 1/);
    assert.throws(() => numberOption('n', 0, { default: 1, min: 1, integer: true }), /n must be a whole number ≥ 1/);
    assert.throws(() => numberOption('h', 745, { default: 24, min: 1, max: 744, maxNote: '31 days' }), /h must be at most 744 \(31 days\)/);
    assert.throws(() => numberOption('t', 0, { default: 1, above: 0 }), /t must be a number > 0/);
    assert.throws(() => numberOption('t', {}, { default: 1 }), /t must be a number$/);
    assert.throws(() => numberOption('t', Infinity, { default: 1 }), /t must be a number$/);
  });

  it('numberOptions checks every key into a fresh object and leaves its input alone', function () {
    const input = Object.freeze({ a: '3', b: '' });
    const out = numberOptions(input, { a: 1, b: 2 }, { a: { min: 0 }, b: { min: 0 } });
    assert.deepEqual(out, { a: 3, b: 2 });
    assert.deepEqual(input, { a: '3', b: '' });
    assert.throws(() => numberOptions({ a: -1 }, { a: 1, b: 2 }, { a: { min: 0 }, b: {} }), /a must be a number ≥ 0/);
  });

  it('numberOr falls back to the default for anything invalid, and never throws', function () {
    const rule = { default: 30, above: 0 };
    assert.equal(numberOr('5', rule), 5);
    for (const raw of ['', '0', '-2', 'abc', null, undefined, {}, NaN]) assert.equal(numberOr(raw, rule), 30, String(raw));
    assert.equal(numberOr('100', { default: 6, above: 0, max: 50 }), 6);
  });
});
