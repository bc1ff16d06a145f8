/**
 * Taking every message already on its way to a node when the flow stops (the close handshake).
 *
 *   const arrivals = new Arrivals();
 *   node.on('input', (msg, send, done) => { arrivals.arrived(); ... });
 *   node.on('close', (_removed, done) => { arrivals.settled().then(() => writeOut()).then(done); });
 *
 * Node-RED calls the close handlers of every stopping node in one synchronous pass and delivers
 * each message on a later event-loop turn (setImmediate); a message sent to a node that is
 * already stopping is not delivered at all. So the messages still coming to a closing node are
 * exactly those queued before or during that pass, including what upstream nodes send from their
 * own close handlers (cmx-receiver sends the rest of its accepted posts there). `settled()`
 * resolves after a delivery round (two event-loop turns) that brought no new message; rounds
 * repeat while messages keep arriving (async runtime hooks can delay them), up to `maxMs`.
 */

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Arrivals {
  private count = 0;

  /** Call for every message the node receives. */
  arrived(): void {
    this.count += 1;
  }

  /** Resolves once a whole delivery round brought nothing new (or after maxMs). */
  async settled(maxMs = 10_000): Promise<void> {
    const end = Date.now() + maxMs;
    let seen: number;
    do {
      seen = this.count;
      await turn();
      await turn();
    } while (this.count !== seen && Date.now() < end);
  }
}
