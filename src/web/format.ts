/**
 * Text formats the console shows for times and durations.
 */

/** Formats a time as `2025-03-04 14:02 UTC`. */
export function formatUtc(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Formats a time to the second as `2025-03-04 14:02:09 UTC`, for the audit trail. */
export function formatUtcSeconds(time: Date): string {
  return `${time.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Formats a duration in whole days (from two days up), hours, minutes or seconds, such as `24 hours`. */
export function formatDuration(ms: number): string {
  const day = 86_400_000;
  if (ms >= 2 * day && ms % day === 0) return plural(ms / day, "day");
  if (ms % 3_600_000 === 0) return plural(ms / 3_600_000, "hour");
  if (ms % 60_000 === 0) return plural(ms / 60_000, "minute");
  return plural(Math.round(ms / 1000), "second");
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/**
 * Formats the time left until `end` as `in 23 h 5 min`, `in 4 min`, `in 40 s`, or `ended` once
 * it has passed. static/console.js recomputes the same text in the browser every 30 seconds.
 */
export function formatRemaining(end: Date, now: Date): string {
  const seconds = Math.floor((end.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return "ended";
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `in ${days} d ${hours} h`;
  if (hours > 0) return `in ${hours} h ${minutes % 60} min`;
  return `in ${minutes} min`;
}
