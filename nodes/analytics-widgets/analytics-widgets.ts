/**
 * analytics-widgets: the analytics summary (cmx-mv-correlate), the entrances summary
 * (line-counter), activities, snapshots (mv-snapshot), the camera feed's status and the zone/area
 * picks in; the messages of the dashboard tab's widgets out, one output per widget, only when its
 * content changed. Thin adapter around src/lib/widgets.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { classifyWidgetInput, WIDGET_OUTPUTS, WidgetBoard, WidgetMessage, WidgetOutput } from '../../src/lib/widgets';
import { widgetOptions } from '../../src/lib/widget-settings';
import { fromSettings } from '../../src/red/config';
import { failMessage } from '../../src/red/report';

interface WidgetsDef extends NodeDef {
  /** "1": node-red-dashboard, "2": FlowFuse Dashboard 2.0 */
  dashboard: string;
  snapshots: string;
}

/** After a (re)deploy the widgets get their first messages (hints, empty charts) this long after start. */
const FIRST_SEND_MS = 1000;

export = function (RED: NodeAPI): void {
  function AnalyticsWidgetsNode(this: Node, config: WidgetsDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const settings = fromSettings(RED, node, 'analytics-widgets', () => widgetOptions(config));
    if (!settings) return;
    const board = new WidgetBoard({ dashboard: settings.dashboard, snapshotsPerZone: settings.snapshots });

    const toOutputs = (out: Partial<Record<WidgetOutput, WidgetMessage>>): (NodeMessage | null)[] =>
      WIDGET_OUTPUTS.map((name) => (out[name] ? (out[name] as unknown as NodeMessage) : null));

    const showStatus = (): void => {
      const zones = board.zoneCount;
      const areas = board.areaCount;
      if (zones === 0 && areas === 0) node.status({ fill: 'grey', shape: 'ring', text: RED._('analytics-widgets.status.waiting') });
      else node.status({ fill: 'green', shape: 'dot', text: RED._('analytics-widgets.status.counts', { zones, areas }) });
    };

    const refresh = (): void => {
      node.send(toOutputs(board.update({ kind: 'refresh' }, Date.now())));
      showStatus();
    };
    const first = setTimeout(refresh, FIRST_SEND_MS);
    first.unref?.();
    // A deploy of changed nodes only (e.g. a chart moved to another group) restarts those widgets
    // empty: give them everything again.
    const events = (RED as unknown as { events?: NodeJS.EventEmitter }).events;
    const onStarted = (): void => {
      clearTimeout(first);
      refresh();
    };
    events?.on('flows:started', onStarted);

    node.on('input', (msg, send, done) => {
      const input = classifyWidgetInput(msg as NodeMessage & { status?: unknown }, Date.now());
      if (!input.ok) {
        failMessage(node, msg, done, RED._('analytics-widgets.errors.invalid', { reason: input.reason }));
        return;
      }
      const out = board.update(input.value, Date.now());
      if (Object.keys(out).length) send(toOutputs(out));
      showStatus();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearTimeout(first);
      events?.removeListener('flows:started', onStarted);
      done();
    });
  }

  RED.nodes.registerType('analytics-widgets', AnalyticsWidgetsNode);
};
