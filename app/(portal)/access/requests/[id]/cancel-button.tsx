"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

export function CancelRequestButton({ requestId }: { requestId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const cancel = useMutation(trpc.requests.cancel.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <span className="inline-flex items-center gap-2">
      <Button variant="secondary" disabled={cancel.isPending} onClick={() => cancel.mutate({ requestId })}>
        {cancel.isPending ? "Cancelling…" : "Cancel request"}
      </Button>
      {cancel.error ? <span role="alert" className="text-sm text-red-700 dark:text-red-300">{describeError(cancel.error)}</span> : null}
    </span>
  );
}
