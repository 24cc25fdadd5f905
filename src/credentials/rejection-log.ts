/**
 * Aggregates rejected S3 requests per access key id and source address, and writes them to the
 * audit trail in batches. Each pair gets one event per interval with counts by error code, so a
 * guessing client cannot turn each request into a database write.
 */
import { recordAudit } from "../db/audit.ts";
import type { MetadataDb } from "../db/database.ts";

export interface RejectedRequest {
  /** The access key id the request named, when it was well formed. */
  accessKeyId: string | undefined;
  /** Organization of that key, when the key exists. */
  orgId: string | undefined;
  sourceAddress: string;
  /** S3 error code of the response, such as `SignatureDoesNotMatch`. */
  code: string;
  at: Date;
}

interface Aggregate {
  accessKeyId: string | undefined;
  orgId: string | undefined;
  sourceAddress: string;
  count: number;
  codes: Map<string, number>;
  first: Date;
  last: Date;
}

/** Pairs kept between flushes; further pairs are counted together under one overflow entry. */
const maxPairs = 10_000;

const overflowKey = "overflow";

export class RejectedRequestLog {
  private pending = new Map<string, Aggregate>();
  private timer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param onFlushError called when a timed flush fails; the batch is then lost, and the caller logs it.
   */
  constructor(
    private readonly db: MetadataDb,
    private readonly onFlushError: (error: unknown, pairs: number) => void = () => {},
  ) {}

  record(rejection: RejectedRequest): void {
    let key = `${rejection.accessKeyId ?? "-"} ${rejection.sourceAddress}`;
    if (!this.pending.has(key) && this.pending.size >= maxPairs) key = overflowKey;
    let aggregate = this.pending.get(key);
    if (!aggregate) {
      aggregate =
        key === overflowKey
          ? { accessKeyId: undefined, orgId: undefined, sourceAddress: "various", count: 0, codes: new Map(), first: rejection.at, last: rejection.at }
          : { accessKeyId: rejection.accessKeyId, orgId: rejection.orgId, sourceAddress: rejection.sourceAddress, count: 0, codes: new Map(), first: rejection.at, last: rejection.at };
      this.pending.set(key, aggregate);
    }
    aggregate.count += 1;
    aggregate.codes.set(rejection.code, (aggregate.codes.get(rejection.code) ?? 0) + 1);
    aggregate.last = rejection.at;
  }

  /** Writes one audit event per key id and address collected since the last flush. */
  flush(now: Date = new Date()): void {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.db.transaction((tx) => {
      for (const aggregate of batch.values()) {
        const codes = [...aggregate.codes].map(([code, count]) => `${code}:${count}`).join(",");
        recordAudit(
          tx,
          {
            actor: "s3-client",
            action: "s3.requests_rejected",
            orgId: aggregate.orgId ?? null,
            target: aggregate.accessKeyId ?? null,
            sourceAddress: aggregate.sourceAddress,
            detail: { count: aggregate.count, codes, first: aggregate.first.toISOString(), last: aggregate.last.toISOString() },
          },
          // Stamped with the time of writing, not of the last rejection, so the trail's time order
          // matches its id order, which the console and the export page by.
          now,
        );
      }
    });
  }

  start(intervalMs = 30_000): void {
    this.timer ??= setInterval(() => {
      const pairs = this.pending.size;
      try {
        this.flush();
      } catch (error) {
        this.onFlushError(error, pairs);
      }
    }, intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
