"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

export function RetryButton({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const retry = useMutation(trpc.notifications.retry.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <Button variant="secondary" disabled={retry.isPending} onClick={() => retry.mutate({ id })}>
      {retry.isPending ? "Retrying…" : "Retry"}
    </Button>
  );
}

export function RetryAllButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const retry = useMutation(trpc.notifications.retryAllFailed.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <Button variant="secondary" disabled={retry.isPending} onClick={() => retry.mutate()}>
      Retry all
    </Button>
  );
}
