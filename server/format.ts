/**
 * How times and durations read wherever people read them — pages, messages, ledger summaries — so a time in
 * a Slack message is the one on the page it links to.
 */

/** UTC with an explicit zone, to the minute: "2026-12-07 17:11 UTC". */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "45 min", "2 h", "1 h 30 min", "3 days". */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes % 60 === 0 && minutes < 48 * 60) return `${minutes / 60} h`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.round(minutes / (24 * 60))} days`;
}
