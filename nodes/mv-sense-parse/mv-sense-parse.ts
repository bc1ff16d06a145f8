/**
 * mv-sense-parse: `mqtt in` messages from MV Sense cameras → normalised counts, detections, light.
 * Thin adapter around src/lib/mv-sense.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { compact } from '../../src/lib/format';
import { MvSenseParser } from '../../src/lib/mv-sense';
import { ThrottledErrors } from '../../src/red/error-log';
import { shortText } from '../../src/red/report';
import { ThrottledStatus } from '../../src/red/status';

interface MvSenseParseDef extends NodeDef {
  cameras: string;
  zones: string;
  futureToleranceS?: string;
}

export = function (RED: NodeAPI): void {
  function MvSenseParseNode(this: Node, config: MvSenseParseDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let parser: MvSenseParser;
    try {
      parser = new MvSenseParser({ cameras: config.cameras, zones: config.zones, futureToleranceS: config.futureToleranceS });
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('mv-sense-parse.status.config') });
      node.error(RED._('mv-sense-parse.errors.config', { reason: (err as Error).message }));
      node.on('input', (_msg, _send, done) => done());
      return;
    }
    let ok = 0;
    let bad = 0;
    const status = new ThrottledStatus(node, () =>
      bad === 0
        ? { fill: 'green', shape: 'dot', text: RED._('mv-sense-parse.status.ok', { ok: compact(ok) }) }
        : { fill: 'yellow', shape: 'ring', text: RED._('mv-sense-parse.status.bad', { ok: compact(ok), bad: compact(bad) }) },
    );

    // Catch nodes get every error; the log at most 5 lines a minute, then a count of the rest.
    const errors = new ThrottledErrors(node, (n, last) => RED._('mv-sense-parse.errors.more', { n: n.toLocaleString('en-US'), last }));

    node.on('input', (msg, send, done) => {
      const result = parser.parse(msg.topic, msg.payload, Date.now());
      switch (result.status) {
        case 'ok':
          ok += 1;
          msg.payload = result.value;
          status.touch();
          send(msg);
          done();
          return;
        case 'invalid':
          bad += 1;
          status.touch();
          errors.report(RED._('mv-sense-parse.errors.invalid', { reason: result.reason, topic: shortText(msg.topic) }), msg);
          done();
          return;
        default:
          // filtered out, or an MV topic this node does not model (audio, custom CV, ...)
          done();
      }
    });

    node.on('close', (done: () => void) => {
      errors.flush();
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('mv-sense-parse', MvSenseParseNode);
};
