import { formatMinutes, formatTime } from "@/server/format";

/** Times are shown in UTC with an explicit zone, so screenshots and exports agree with the ledger. */
export function DateTime({ value }: { value: Date | string | null | undefined }) {
  if (!value) return <span className="text-slate-400">—</span>;
  const date = typeof value === "string" ? new Date(value) : value;
  return <time dateTime={date.toISOString()} className="tabular-nums whitespace-nowrap">{formatTime(date)}</time>;
}

/** "1 grant", "2 grants": a count with its noun (nouns that take an s). */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
}

/** Durations read the same on a page as in a message about it. */
export const formatDuration = formatMinutes;

export function TierBadge({ tier }: { tier: number }) {
  const style =
    tier === 1
      ? "bg-red-50 text-red-800 ring-red-300 dark:bg-red-950 dark:text-red-200 dark:ring-red-800"
      : tier === 2
        ? "bg-amber-50 text-amber-900 ring-amber-300 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-800"
        : "bg-slate-100 text-slate-700 ring-slate-300 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-600";
  return (
    <span className={`inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${style}`} title={`Sensitivity tier ${tier} (1 is most sensitive)`}>
      Tier {tier}
    </span>
  );
}

/** Which account a request's access lands on: the requester's own login (role elevation) or a temporary one. */
export function AccessAccount({ login, requesterName }: { login: string | null; requesterName: string }) {
  if (!login) return <>A temporary login, created for the grant and removed when it ends</>;
  return (
    <>
      Elevates <code className="font-mono text-xs">{login}</code>, {requesterName}&apos;s own login in the target
    </>
  );
}
