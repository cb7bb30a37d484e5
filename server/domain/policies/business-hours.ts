/**
 * Is an instant within a policy's business hours, in the resource's time zone?
 *
 * The resource's zone (not the requester's) because "out of hours" is about the people who run the system:
 * a 03:00 change to a Berlin database is out of hours for its owners wherever the requester sits.
 */
import type { BusinessHours, WEEKDAYS } from "./schema";

// Building an Intl.DateTimeFormat costs ~50 µs, formatting ~2 µs: keep one per zone. Zones are few (one per
// resource at most), so the cache needs no bound beyond what a typo-ridden database could hold.
const formatters = new Map<string, Intl.DateTimeFormat | null>();
const MAX_CACHED_ZONES = 500;

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(timeZone);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat | null;
  try {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  } catch {
    formatter = null; // not an IANA zone
  }
  if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
  formatters.set(timeZone, formatter);
  return formatter;
}

export interface LocalTime {
  weekday: (typeof WEEKDAYS)[number];
  /** Minutes since local midnight. */
  minuteOfDay: number;
  /** The zone actually used: UTC when the resource's zone is unknown. */
  timeZone: string;
}

export function localTime(instant: Date, timeZone: string): LocalTime {
  const own = formatterFor(timeZone);
  const zone = own ? timeZone : "UTC";
  const formatter = own ?? formatterFor("UTC");
  if (!formatter) throw new Error("this runtime has no UTC time zone data");
  let weekday: LocalTime["weekday"] = "sun";
  let hour = 0;
  let minute = 0;
  for (const part of formatter.formatToParts(instant)) {
    if (part.type === "weekday") weekday = part.value.toLowerCase().slice(0, 3) as LocalTime["weekday"];
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  return { weekday, minuteOfDay: hour * 60 + minute, timeZone: zone };
}

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(":");
  return Number(hours) * 60 + Number(minutes);
}

/** Start inclusive, end exclusive: 08:00–18:00 covers 08:00 and 17:59, not 18:00. */
export function isWithinBusinessHours(instant: Date, timeZone: string, hours: BusinessHours): { within: boolean; timeZone: string } {
  const local = localTime(instant, timeZone);
  const within =
    hours.days.includes(local.weekday) && local.minuteOfDay >= minutesOf(hours.start) && local.minuteOfDay < minutesOf(hours.end);
  return { within, timeZone: local.timeZone };
}
