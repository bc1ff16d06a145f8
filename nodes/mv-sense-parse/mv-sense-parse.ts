/**
 * mv-sense-parse: `mqtt in` messages from MV Sense cameras → normalised counts, detections, light
 * (src/lib/mv-sense). An invalid message fails (Catch nodes see it, the status counts it); topics
 * filtered out by the node's settings, or not modelled (audio, custom CV, ...), pass by quietly.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { compact } from '../../src/lib/format';
import { MvSenseParser } from '../../src/lib/mv-sense';
import { fromSettings } from '../../src/red/config';
import { errorSummary, failMessage, shortText } from '../../src/red/report';
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
    const parser = fromSettings(RED, node, 'mv-sense-parse', () => new MvSenseParser({ cameras: config.cameras, zones: config.zones, futureToleranceS: config.futureToleranceS }));
    if (!parser) return;
    let ok = 0;
    let bad = 0;
    const status = new ThrottledStatus(node, () =>
      bad === 0
        ? { fill: 'green', shape: 'dot', text: RED._('mv-sense-parse.status.ok', { ok: compact(ok) }) }
        : { fill: 'yellow', shape: 'ring', text: RED._('mv-sense-parse.status.bad', { ok: compact(ok), bad: compact(bad) }) },
    );

    // (the log gets 5 of them a minute in full, then this line: src/red/report)
    errorSummary(node, (n, last) => RED._('mv-sense-parse.errors.more', { n: n.toLocaleString('en-US'), last }));

    node.on('input', (msg, send, done) => {
      const result = parser.parse(msg.topic, msg.payload, Date.now());
      if (result.ok) {
        ok += 1;
        msg.payload = result.value;
        status.touch();
        send(msg);
        done();
      } else if (result.drop === 'invalid') {
        bad += 1;
        failMessage(node, msg, done, RED._('mv-sense-parse.errors.invalid', { reason: result.reason, topic: shortText(msg.topic) }), status);
      } else {
        done(); // filtered out, or an MV topic this node does not model
      }
    });

    node.on('close', (done: () => void) => {
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('mv-sense-parse', MvSenseParseNode);
};
