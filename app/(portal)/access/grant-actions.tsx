"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

/** "I'm done": ends the grant now; the access is removed from the target at once. */
export function ReleaseButton({ grantId, label = "Release now" }: { grantId: string; label?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const release = useMutation(trpc.grants.release.mutationOptions({ onSuccess: () => router.refresh() }));
  if (!confirming) {
    return <Button variant="secondary" onClick={() => setConfirming(true)}>{label}</Button>;
  }
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <span className="text-sm">End this access now?</span>
      <Button variant="danger" disabled={release.isPending} onClick={() => release.mutate({ grantId })}>
        {release.isPending ? "Releasing…" : "Yes, I’m done"}
      </Button>
      <Button variant="secondary" onClick={() => setConfirming(false)}>Keep it</Button>
      {release.error ? <span role="alert" className="text-sm text-red-700 dark:text-red-300">{describeError(release.error)}</span> : null}
    </span>
  );
}
