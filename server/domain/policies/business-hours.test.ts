import { describe, expect, it } from "vitest";
import { isWithinBusinessHours, localTime } from "./business-hours";
import { ZBusinessHours } from "./schema";

const weekdays = ZBusinessHours.parse({});

describe("business hours are read in the resource's time zone", () => {
  it.each<[string, string, string, boolean]>([
    // Europe/Berlin is UTC+1 in winter, UTC+2 from 29 March 2026.
    ["Wednesday 07:59 in Berlin", "2026-03-04T06:59:00Z", "Europe/Berlin", false],
    ["Wednesday 08:00 in Berlin (the start is inside)", "2026-03-04T07:00:00Z", "Europe/Berlin", true],
    ["Wednesday 17:59 in Berlin", "2026-03-04T16:59:00Z", "Europe/Berlin", true],
    ["Wednesday 18:00 in Berlin (the end is outside)", "2026-03-04T17:00:00Z", "Europe/Berlin", false],
    ["Saturday noon in Berlin", "2026-03-07T11:00:00Z", "Europe/Berlin", false],
    ["Monday 08:30 in Berlin after the switch to summer time", "2026-03-30T06:30:00Z", "Europe/Berlin", true],
    ["Monday 07:30 in Berlin after the switch to summer time (06:30 UTC+1 would be wrong)", "2026-03-30T05:30:00Z", "Europe/Berlin", false],
    ["Friday 23:00 UTC is Saturday in Tokyo", "2026-03-06T23:00:00Z", "Asia/Tokyo", false],
    ["Sunday 23:30 UTC is Monday 08:30 in Tokyo", "2026-03-08T23:30:00Z", "Asia/Tokyo", true],
    ["Wednesday 13:00 UTC is 08:00 in New York", "2026-03-04T13:00:00Z", "America/New_York", true],
  ])("%s → %s", (_title, iso, zone, expected) => {
    expect(isWithinBusinessHours(new Date(iso), zone, weekdays)).toEqual({ within: expected, timeZone: zone });
  });

  it("uses the policy's own days and hours", () => {
    const weekend = ZBusinessHours.parse({ days: ["sat", "sun"], start: "10:00", end: "14:00" });
    expect(isWithinBusinessHours(new Date("2026-03-07T12:00:00Z"), "UTC", weekend).within).toBe(true);
    expect(isWithinBusinessHours(new Date("2026-03-04T12:00:00Z"), "UTC", weekend).within).toBe(false);
    expect(isWithinBusinessHours(new Date("2026-03-07T14:00:00Z"), "UTC", weekend).within).toBe(false);
  });

  it("falls back to UTC for a zone it does not know, and says so", () => {
    expect(isWithinBusinessHours(new Date("2026-03-04T07:30:00Z"), "Mars/Olympus", weekdays)).toEqual({ within: false, timeZone: "UTC" });
    expect(localTime(new Date("2026-03-04T07:30:00Z"), "")).toEqual({ weekday: "wed", minuteOfDay: 450, timeZone: "UTC" });
  });

  it("reads midnight as minute 0, not 24:00", () => {
    expect(localTime(new Date("2026-03-04T00:00:00Z"), "UTC")).toEqual({ weekday: "wed", minuteOfDay: 0, timeZone: "UTC" });
  });
});
