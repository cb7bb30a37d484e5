"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { describeError } from "@/app/_components/errors";
import { plural } from "@/app/_components/format";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

/** Revokes the live grants the current version no longer allows, after a confirmation. */
export function RevokeAtOddsButton({ policyId, count }: { policyId: string; count: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation(trpc.policies.revokeGrantsAtOdds.mutationOptions({ onSuccess: () => router.refresh() }));
  if (revoke.data) return <p role="status" className="text-sm">{plural(revoke.data.revoked, "grant")} revoked: removal from the targets is under way.</p>;
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm">
      {confirming ? (
        <>
          <span>Revoke {plural(count, "grant")} now? Their holders are told.</span>
          <Button variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ policyId })}>{revoke.isPending ? "Revoking…" : "Yes, revoke"}</Button>
          <Button variant="secondary" onClick={() => setConfirming(false)}>Keep them</Button>
        </>
      ) : (
        <Button variant="danger" onClick={() => setConfirming(true)}>Revoke {plural(count, "grant")}</Button>
      )}
      {revoke.error ? <p role="alert" className="text-red-700 dark:text-red-300">{describeError(revoke.error)}</p> : null}
    </div>
  );
}
