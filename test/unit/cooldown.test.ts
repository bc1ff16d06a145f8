import { strict as assert } from 'assert';
import { Cooldown } from '../../src/lib/cooldown';

describe('Cooldown: at most once a minute per key', () => {
  it('due once per window per key, again after it; a steady flood does not push the window on', () => {
    const c = new Cooldown(60_000);
    assert.equal(c.due('a', 0), true);
    for (let t = 1000; t < 60_000; t += 1000) assert.equal(c.due('a', t), false, `at ${t}`);
    assert.equal(c.due('b', 30_000), true, 'another key has its own window');
    assert.equal(c.due('a', 60_000), true, 'a minute after the first, though refused every second since');
  });

  it('remembers at most maxKeys keys', () => {
    const c = new Cooldown(60_000, 3);
    for (const k of ['a', 'b', 'c']) assert.equal(c.due(k, 0), true);
    assert.equal(c.due('d', 1), true);
    assert.equal(c.due('a', 2), true, 'forgotten when the fourth came');
  });
});
