"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

/** Re-verifies the whole chain now and says what it found (a failure is also recorded in the ledger). */
export function VerifyButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const verify = useMutation(trpc.ledger.verify.mutationOptions({ onSettled: () => router.refresh() }));
  const result = verify.data;
  return (
    <div className="flex flex-wrap items-center gap-3">
      <Button variant="secondary" onClick={() => verify.mutate()} disabled={verify.isPending} aria-describedby="verify-result">
        {verify.isPending ? "Verifying…" : "Verify now"}
      </Button>
      <p id="verify-result" role="status" aria-live="polite" className="text-sm">
        {verify.isPending ? <span className="text-slate-600 dark:text-slate-400">Re-hashing every event…</span> : null}
        {result ? (
          result.ok ? (
            <span className="text-emerald-800 dark:text-emerald-300">
              <span aria-hidden="true">✓ </span>Verification passed: {result.detail} in {(result.durationMs / 1000).toFixed(1)} s.
            </span>
          ) : (
            <span className="font-medium text-red-700 dark:text-red-300">
              <span aria-hidden="true">✗ </span>Verification failed at event #{result.brokenAtSeq} ({result.problem}): {result.detail}
            </span>
          )
        ) : null}
        {verify.error ? <span className="text-red-700 dark:text-red-300">{describeError(verify.error)}</span> : null}
      </p>
    </div>
  );
}
