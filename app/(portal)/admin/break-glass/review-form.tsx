"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

export function ReviewForm({ reviewId }: { reviewId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { outcome: useId(), notes: useId() };
  const [outcome, setOutcome] = useState<"justified" | "not_justified" | "needs_follow_up">("justified");
  const [notes, setNotes] = useState("");
  const complete = useMutation(trpc.requests.completeReview.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <form
      className="mt-3 grid gap-2 text-sm sm:grid-cols-[12rem_minmax(0,1fr)_auto] sm:items-end"
      onSubmit={(e) => {
        e.preventDefault();
        complete.mutate({ reviewId, outcome, notes });
      }}
    >
      <div>
        <label htmlFor={ids.outcome} className="mb-1 block font-medium">Outcome</label>
        <select id={ids.outcome} value={outcome} onChange={(e) => setOutcome(e.target.value as typeof outcome)} className="w-full rounded-md border border-slate-300 bg-white px-2 py-2 dark:border-slate-700 dark:bg-slate-900">
          <option value="justified">Justified</option>
          <option value="needs_follow_up">Needs follow-up</option>
          <option value="not_justified">Not justified</option>
        </select>
      </div>
      <div>
        <label htmlFor={ids.notes} className="mb-1 block font-medium">What happened</label>
        <textarea id={ids.notes} rows={2} required minLength={20} value={notes} onChange={(e) => setNotes(e.target.value)} className="w-full rounded-md border border-slate-300 bg-white px-2 py-2 dark:border-slate-700 dark:bg-slate-900" />
      </div>
      <Button type="submit" disabled={complete.isPending}>{complete.isPending ? "Saving…" : "Complete review"}</Button>
      {complete.error ? <p role="alert" className="text-red-700 sm:col-span-3 dark:text-red-300">{describeError(complete.error)}</p> : null}
    </form>
  );
}
