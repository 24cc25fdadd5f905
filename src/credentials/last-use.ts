/**
 * Collects the last use of each credential in memory and writes them in batches, so that S3
 * requests do not each cost a database write.
 */
export class LastUseRecorder {
  private pending = new Map<string, { at: Date; from: string }>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly write: (uses: ReadonlyMap<string, { at: Date; from: string }>) => void) {}

  record(accessKeyId: string, from: string, at: Date = new Date()): void {
    this.pending.set(accessKeyId, { at, from });
  }

  /** Writes what was collected since the last flush. */
  flush(): void {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.write(batch);
  }

  start(intervalMs = 2000): void {
    this.timer ??= setInterval(() => this.flush(), intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
