/**
 * `bench-pass-through`: a bench-only node type that sends every message on unchanged. Two of them
 * in a row are the in-process baseline: what Node-RED's own message delivery costs per hop.
 */
export const PASS_THROUGH = 'bench-pass-through';

export function passThrough(RED: any): void {
  function PassThroughNode(this: any, config: object): void {
    RED.nodes.createNode(this, config);
    this.on('input', (msg: object, send: (m: object) => void, done: () => void) => {
      send(msg);
      done();
    });
  }
  RED.nodes.registerType(PASS_THROUGH, PassThroughNode);
}
