"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC, useTRPCClient } from "@/app/_trpc/client";

/** How long the page waits for a refresh it asked for before saying so (large estates take a while). */
const WAIT_MS = 5 * 60_000;

/**
 * "Refresh now": asks for a new report (discovery, a usage sample, the snapshot) and waits until a snapshot
 * newer than the one on screen exists, then shows it. The work runs in the job runner, not in this request,
 * so closing the page does not stop it.
 */
export function RefreshButton() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [waitingFor, setWaitingFor] = useState<{ previous: string | null } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const refresh = useMutation(
    trpc.reports.refresh.mutationOptions({
      onSuccess: (result) => {
        if (result.snapshotId) {
          setMessage("The new report is ready.");
          router.push("/reports/standing");
          router.refresh();
          return;
        }
        setWaitingFor({ previous: result.previousSnapshotId });
      },
    }),
  );

  useEffect(() => {
    if (!waitingFor) return;
    const since = Date.now();
    let stopped = false;
    const tick = async () => {
      if (stopped) return;
      try {
        const latest = await client.reports.latestSnapshot.query();
        if (latest && latest.id !== waitingFor.previous) {
          setWaitingFor(null);
          setMessage("The new report is ready.");
          await queryClient.invalidateQueries();
          router.push("/reports/standing");
          router.refresh();
          return;
        }
      } catch {
        // A failed poll is retried on the next tick.
      }
      if (Date.now() - since > WAIT_MS) {
        setWaitingFor(null);
        setMessage("The report is taking longer than expected; it will appear here when it is done (see Admin · Status for the job).");
        return;
      }
      timer = setTimeout(tick, 1_500);
    };
    let timer = setTimeout(tick, 1_000);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [waitingFor, client, queryClient, router]);

  const busy = refresh.isPending || waitingFor !== null;
  return (
    <div className="flex flex-col items-end gap-1">
      <Button type="button" onClick={() => { setMessage(null); refresh.mutate(); }} disabled={busy} data-testid="refresh-report">
        {busy ? "Building the report…" : "Refresh now"}
      </Button>
      <p role="status" className="text-xs text-slate-600 dark:text-slate-400">
        {busy ? "Reading every target and the latest usage; this page updates when the report is ready." : (message ?? "")}
      </p>
      {refresh.error ? <p role="alert" className="text-xs text-red-700 dark:text-red-300">{describeError(refresh.error)}</p> : null}
    </div>
  );
}
