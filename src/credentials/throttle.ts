/**
 * Token buckets that slow down clients who keep failing authentication. Only failures take
 * tokens, so a client whose requests are valid never runs a bucket dry and is never slowed down.
 */

export interface TokenBucketSettings {
  /** Failures allowed in a burst. */
  capacity: number;
  /** Tokens added back per second. */
  refillPerSecond: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets kept before the oldest are dropped, which bounds memory under a flood of addresses or ids. */
const defaultMaxBuckets = 50_000;

/** A set of token buckets, one per key, created full on first use. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param now clock in milliseconds, replaced in tests.
   */
  constructor(
    private readonly settings: TokenBucketSettings,
    private readonly now: () => number = Date.now,
    private readonly maxBuckets = defaultMaxBuckets,
  ) {}

  /** Returns how many milliseconds until `key` has a token again; 0 when it has one now. */
  waitMs(key: string): number {
    const bucket = this.refill(key);
    if (bucket.tokens >= 1) return 0;
    // The small subtraction keeps floating-point residue from rounding 1 ms up to 2 ms.
    return Math.max(1, Math.ceil(((1 - bucket.tokens) / this.settings.refillPerSecond) * 1000 - 1e-6));
  }

  /**
   * Takes a token from `key` when it has one.
   * @returns 0 when a token was taken, or the milliseconds until the next one when the bucket is empty.
   */
  take(key: string): number {
    const bucket = this.refill(key);
    if (bucket.tokens < 1) return this.waitMs(key);
    bucket.tokens -= 1;
    return 0;
  }

  private refill(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxBuckets) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = { tokens: this.settings.capacity, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedSeconds = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.settings.capacity, bucket.tokens + elapsedSeconds * this.settings.refillPerSecond);
    bucket.updatedAt = now;
    return bucket;
  }
}

/** Limits for failed S3 signature checks. */
export interface FailureThrottleSettings {
  perSourceAddress: TokenBucketSettings;
  perAccessKeyId: TokenBucketSettings;
  /** Maximum time a throttled failure response is held back, in milliseconds. */
  maxDelayMs: number;
}

/**
 * 30 failures in a burst from one address or against one key id, then one every second or every
 * two seconds. A client that signs with a wrong secret gets its first errors at once, which is
 * what a person fixing a typo needs.
 */
export const defaultFailureThrottleSettings: FailureThrottleSettings = {
  perSourceAddress: { capacity: 30, refillPerSecond: 1 },
  perAccessKeyId: { capacity: 30, refillPerSecond: 0.5 },
  maxDelayMs: 2000,
};

/** The outcome of recording a failure. */
export interface ThrottleVerdict {
  /** True when a bucket was already empty, so the response to the failure should be SlowDown. */
  limited: boolean;
  /** How long to hold back the response, at most `maxDelayMs`. */
  delayMs: number;
}

/**
 * Throttles failed signature checks per source address and per claimed access key id. The S3
 * endpoint calls {@link recordFailure} only after a check failed, never for a valid request.
 */
export class FailureThrottle {
  private readonly bySource: TokenBuckets;
  private readonly byKeyId: TokenBuckets;

  constructor(
    private readonly settings: FailureThrottleSettings = defaultFailureThrottleSettings,
    now: () => number = Date.now,
  ) {
    this.bySource = new TokenBuckets(settings.perSourceAddress, now);
    this.byKeyId = new TokenBuckets(settings.perAccessKeyId, now);
  }

  /** Takes a token from the source's bucket and, when the request named one, the key id's bucket. */
  recordFailure(sourceAddress: string, accessKeyId: string | undefined): ThrottleVerdict {
    const sourceWait = this.bySource.take(sourceAddress);
    const keyWait = accessKeyId === undefined ? 0 : this.byKeyId.take(accessKeyId);
    const wait = Math.max(sourceWait, keyWait);
    return { limited: wait > 0, delayMs: Math.min(wait, this.settings.maxDelayMs) };
  }
}
