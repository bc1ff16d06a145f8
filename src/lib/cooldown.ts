/**
 * "At most once a minute" for log lines a flood could repeat (a warning per key): due() is true
 * for a key at most once per `ms`. At most `maxKeys` keys are remembered (beyond: forgotten all at
 * once, so a flood of distinct keys costs no memory). Framework-free.
 */
export class Cooldown {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly ms = 60_000,
    private readonly maxKeys = 100,
  ) {}

  due(key = '', now = Date.now()): boolean {
    const t = this.last.get(key);
    if (t !== undefined && now - t < this.ms) return false;
    if (t === undefined && this.last.size >= this.maxKeys) this.last.clear();
    this.last.set(key, now);
    return true;
  }
}
