"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import { TestResult } from "@/app/(portal)/admin/connectors/connector-form";

/** "Test connection" (records the health it finds) and "Reconcile now" for a saved connector. */
export function ConnectorActions({ connectorId, name, canReconcile }: { connectorId: string; name: string; canReconcile: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const test = useMutation(trpc.connectors.test.mutationOptions({ onSuccess: () => router.refresh() }));
  const reconcile = useMutation(trpc.connectors.reconcile.mutationOptions({ onSuccess: () => router.refresh() }));
  const report = reconcile.data;
  return (
    <div className="grid gap-3">
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" aria-label={`Test connection: ${name}`} disabled={test.isPending} onClick={() => { reconcile.reset(); test.mutate({ connectorId }); }}>
          {test.isPending ? "Testing…" : "Test connection"}
        </Button>
        {canReconcile ? (
          <Button variant="secondary" aria-label={`Reconcile now: ${name}`} disabled={reconcile.isPending} onClick={() => { test.reset(); reconcile.mutate({ connectorId }); }}>
            {reconcile.isPending ? "Reconciling…" : "Reconcile now"}
          </Button>
        ) : null}
      </div>
      {test.data ? <TestResult report={test.data} /> : null}
      {report ? (
        <p role="status" data-testid="reconcile-result" className="text-sm">
          {report.unreachable.length
            ? `Could not read the target (${report.unreachable.join(", ")}); nothing was concluded.`
            : `Checked ${report.checked} active grant${report.checked === 1 ? "" : "s"}: ${report.removed.length} ended grant${report.removed.length === 1 ? "" : "s"} still present and removed, ${report.restored.length} missing and restored.`}
        </p>
      ) : null}
      {test.error ?? reconcile.error ? <p role="alert" className="text-sm text-red-700 dark:text-red-300">{describeError(test.error ?? reconcile.error)}</p> : null}
    </div>
  );
}
