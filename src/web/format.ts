/**
 * Text formats the console shows for times and durations.
 */

/** Formats a time as `2025-03-04 14:02 UTC`. */
export function formatUtc(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace("T", " ")} UTC`;
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
