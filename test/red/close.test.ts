import { strict as assert } from 'assert';
import { Arrivals } from '../../src/red/close';

describe('close handshake (src/red/close Arrivals)', function () {
  it('settles only after messages queued like Node-RED deliveries (setImmediate) have arrived', async function () {
    const arrivals = new Arrivals();
    const got: number[] = [];
    const deliver = (n: number) => setImmediate(() => {
      arrivals.arrived();
      got.push(n);
    });
    deliver(1);
    const settled = arrivals.settled().then(() => [...got]);
    deliver(2); // sent after the close began, in the same pass (an upstream close handler)
    assert.deepEqual(await settled, [1, 2]);
  });

  it('keeps waiting while messages keep coming, a hop at a time', async function () {
    const arrivals = new Arrivals();
    let hops = 0;
    const hop = () => setImmediate(() => {
      arrivals.arrived();
      if (++hops < 10) setImmediate(hop);
    });
    hop();
    await arrivals.settled();
    assert.equal(hops, 10);
  });

  it('gives up after maxMs when messages never stop', async function () {
    const arrivals = new Arrivals();
    let on = true;
    const flood = () => {
      arrivals.arrived();
      if (on) setImmediate(flood);
    };
    flood();
    const t = Date.now();
    await arrivals.settled(50);
    on = false;
    assert.ok(Date.now() - t < 1000);
  });
});
