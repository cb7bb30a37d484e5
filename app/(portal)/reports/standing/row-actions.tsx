"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { describeError, fieldErrorsOf } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

type Plan = { ok: true; action: string } | { ok: false; why: string };
type LevelPlan = { ok: true; name: string; mode: string } | { ok: false; why: string };

const modeText: Record<string, string> = { ROLE_ELEVATION: "on their own login", EPHEMERAL_CREDENTIAL: "as a short-lived login" };

/** A default review date: three months ahead (baselines are looked at again at least yearly). */
function inThreeMonths(): string {
  const date = new Date();
  date.setUTCMonth(date.getUTCMonth() + 3);
  return date.toISOString().slice(0, 10);
}

/**
 * The two decisions on a standing privilege: declare it baseline (a reason and a review date), or
 * convert it to JIT (remove it from the target; the same access becomes requestable). Each shows what
 * will happen before it happens, and is ledgered by the server.
 */
export function RowActions({
  privilegeId,
  label,
  removal,
  level,
  since,
}: {
  privilegeId: string;
  label: string;
  removal: Plan;
  level: LevelPlan;
  /** Already decided since the report was built (the report itself is a record and stays as it was). */
  since: "converted" | "gone" | "baselined" | null;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { reason: useId(), review: useId() };
  const [open, setOpen] = useState<"baseline" | "convert" | null>(null);
  const [reason, setReason] = useState("");
  const [reviewAt, setReviewAt] = useState(inThreeMonths);
  const [done, setDone] = useState<string | null>(null);
  const baseline = useMutation(
    trpc.reports.markBaseline.mutationOptions({
      onSuccess: (result) => {
        setOpen(null);
        setDone(`Marked baseline until ${result.reviewAt.slice(0, 10)}.`);
        router.refresh();
      },
    }),
  );
  const convert = useMutation(
    trpc.reports.convertToJit.mutationOptions({
      onSuccess: (result) => {
        setOpen(null);
        setDone(
          `${result.removed ? "Removed from the target" : "It was already gone from the target"}${result.requestable ? `; requestable as ${result.requestable.accessLevelName} on ${result.requestable.resourceName}` : ""}.`,
        );
        router.refresh();
      },
    }),
  );
  const fieldErrors = fieldErrorsOf(baseline.error);

  // The message outlives the page refresh that follows an action: this component stays mounted.
  if (done) return <p role="status" className="text-xs text-emerald-800 dark:text-emerald-200" data-testid="action-done">{done}</p>;
  if (since) return <span className="text-xs text-slate-600 dark:text-slate-400">Done since this report</span>;
  return (
    <div className="flex flex-col items-start gap-2 text-xs">
      <div className="flex flex-wrap gap-1">
        <Button type="button" variant="secondary" className="px-2 py-1 text-xs" aria-expanded={open === "baseline"} onClick={() => setOpen(open === "baseline" ? null : "baseline")}>
          Mark baseline<span className="sr-only">: {label}</span>
        </Button>
        <Button
          type="button"
          variant="secondary"
          className="px-2 py-1 text-xs"
          aria-expanded={open === "convert"}
          disabled={!removal.ok}
          title={removal.ok ? undefined : removal.why}
          onClick={() => setOpen(open === "convert" ? null : "convert")}
        >
          Convert to JIT<span className="sr-only">: {label}</span>
        </Button>
      </div>
      {!removal.ok ? <p className="max-w-xs text-slate-600 dark:text-slate-400">{removal.why}</p> : null}
      {open === "baseline" ? (
        <form
          className="grid w-72 gap-2 rounded-md border border-slate-200 p-2 dark:border-slate-700"
          onSubmit={(e) => {
            e.preventDefault();
            baseline.mutate({ privilegeId, reason, reviewAt });
          }}
        >
          <label htmlFor={ids.reason} className="font-medium">Why is it legitimately standing?</label>
          <textarea id={ids.reason} rows={2} required minLength={10} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} className="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900" />
          {fieldErrors.reason ? <p className="text-red-700 dark:text-red-300">{fieldErrors.reason}</p> : null}
          <label htmlFor={ids.review} className="font-medium">Review by</label>
          <input id={ids.review} type="date" required value={reviewAt} onChange={(e) => setReviewAt(e.target.value)} className="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900" />
          <Button type="submit" className="px-2 py-1 text-xs" disabled={baseline.isPending}>{baseline.isPending ? "Saving…" : "Keep as baseline"}</Button>
          {baseline.error && !fieldErrors.reason ? <p role="alert" className="text-red-700 dark:text-red-300">{describeError(baseline.error)}</p> : null}
        </form>
      ) : null}
      {open === "convert" && removal.ok ? (
        <div className="grid w-72 gap-2 rounded-md border border-amber-300 bg-amber-50 p-2 text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          <p>
            Keycard will run <code className="break-all">{removal.action}</code> in the target.
          </p>
          <p>{level.ok ? `The same access becomes requestable as “${level.name}” (${modeText[level.mode] ?? level.mode}).` : `It cannot be made requestable: ${level.why}`}</p>
          <Button type="button" variant="danger" className="px-2 py-1 text-xs" disabled={convert.isPending} onClick={() => convert.mutate({ privilegeId })}>
            {convert.isPending ? "Converting…" : "Remove it and make it requestable"}
          </Button>
          {convert.error ? <p role="alert" className="text-red-800 dark:text-red-200">{describeError(convert.error)}</p> : null}
        </div>
      ) : null}
    </div>
  );
}
