/**
 * Zone labels and camera names from the Dashboard API, learnt once per camera: `GET /devices/{serial}`
 * (the camera's name) and `GET /devices/{serial}/camera/analytics/zones` (its zones' labels), given
 * to `onLearnt` as entries "SERIAL" → name and "SERIAL/zone" → label (the Correlator's labels).
 * A failed look-up is tried again after `retryMs`. Framework-free; the client is an interface.
 */

export interface LabelSource {
  getDevice(serial: string): Promise<{ name?: string } | null>;
  getZones(serial: string): Promise<{ id: string; label: string | null }[]>;
}

export interface LabelLearnerOptions {
  /** the client, or null while no key is configured (then nothing is looked up) */
  source: () => LabelSource | null;
  onLearnt: (entries: [string, string][]) => void;
  onError: (serial: string, err: Error) => void;
  /** a failed look-up is tried again after this long; default 10 minutes */
  retryMs?: number;
  now?: () => number;
}

export class LabelLearner {
  /** upper-case serial → time of the last attempt (Infinity: learnt) */
  private readonly attempts = new Map<string, number>();
  private readonly retryMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LabelLearnerOptions) {
    this.retryMs = options.retryMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Looks the camera up unless that was done (or tried within retryMs). */
  learn(serial: string): void {
    const source = this.options.source();
    const key = serial.toUpperCase();
    const last = this.attempts.get(key);
    if (!source || (last !== undefined && this.now() - last < this.retryMs)) return;
    this.attempts.set(key, this.now());
    Promise.all([source.getDevice(serial), source.getZones(serial)])
      .then(([device, zones]) => {
        const entries: [string, string][] = [];
        if (device && typeof device.name === 'string' && device.name) entries.push([key, device.name]);
        for (const z of zones) if (z.label) entries.push([`${key}/${z.id}`, z.label]);
        this.options.onLearnt(entries);
        this.attempts.set(key, Infinity);
      })
      .catch((err: Error) => this.options.onError(serial, err));
  }
}
