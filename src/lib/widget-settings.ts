/**
 * analytics-widgets' settings and their checks, free of Node.js modules: the editor checks them with
 * this same code (src/lib/editor-rules.ts).
 *
 *   dashboard   "1" node-red-dashboard (the default), "2" FlowFuse Dashboard 2.0
 *   snapshots   snapshots shown per zone, a whole number 1–50 (default 6)
 */
import { isUnset, numberOption } from './options';

export type DashboardVersion = 1 | 2;

export const WIDGET_DEFAULTS = Object.freeze({ dashboard: 1 as DashboardVersion, snapshots: 6 });

/** The number settings' limits. */
export const WIDGET_LIMITS = Object.freeze({
  snapshots: { min: 1, max: 50, integer: true },
});

export interface WidgetSettings {
  dashboard: DashboardVersion;
  /** snapshots kept and shown per zone */
  snapshots: number;
}

/** The dashboard a setting names; throws what is wrong. */
export function dashboardVersion(raw: unknown): DashboardVersion {
  if (isUnset(raw)) return WIDGET_DEFAULTS.dashboard;
  const v = String(raw).trim();
  if (v === '1' || v === '2') return Number(v) as DashboardVersion;
  throw new Error('dashboard must be 1 (node-red-dashboard) or 2 (FlowFuse Dashboard 2.0)');
}

/** Validates the node's settings (throws readable errors) and fills defaults. */
export function widgetOptions(input: Partial<Record<keyof WidgetSettings, unknown>> = {}): WidgetSettings {
  return {
    dashboard: dashboardVersion(input.dashboard),
    snapshots: numberOption('snapshots', input.snapshots, { default: WIDGET_DEFAULTS.snapshots, ...WIDGET_LIMITS.snapshots }),
  };
}
