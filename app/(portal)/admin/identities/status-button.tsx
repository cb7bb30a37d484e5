"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

/** Disable / re-enable with a required reason (it goes into the ledger); disabling says what it will end. */
export function IdentityStatusButton({ identityId, name, status }: { identityId: string; name: string; status: "ACTIVE" | "DISABLED" }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const reasonId = useId();
  const mutation = useMutation(
    trpc.identities.setStatus.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        setReason("");
        router.refresh();
      },
    }),
  );
  const disabling = status === "ACTIVE";
  if (!open) {
    return (
      <Button variant={disabling ? "secondary" : "primary"} onClick={() => setOpen(true)} aria-label={`${disabling ? "Disable" : "Enable"} ${name}`}>
        {disabling ? "Disable" : "Enable"}
      </Button>
    );
  }
  return (
    <form
      className="flex flex-wrap items-center justify-end gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        mutation.mutate({ identityId, status: disabling ? "DISABLED" : "ACTIVE", reason });
      }}
    >
      <label htmlFor={reasonId} className="sr-only">Reason to {disabling ? "disable" : "enable"} {name}</label>
      <input
        id={reasonId}
        autoFocus
        required
        minLength={3}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        placeholder="Reason (goes in the ledger)"
        className="w-56 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
      />
      <Button type="submit" variant={disabling ? "danger" : "primary"} disabled={mutation.isPending}>
        {mutation.isPending ? "Saving…" : disabling ? `Disable ${name.split(" ")[0]}` : "Enable"}
      </Button>
      <Button type="button" variant="secondary" onClick={() => setOpen(false)}>Cancel</Button>
      {disabling ? (
        <p className="w-full text-right text-xs text-slate-600 dark:text-slate-300">
          Their pending requests are cancelled and every grant they hold is revoked in its target now.
        </p>
      ) : null}
      {mutation.error ? <p role="alert" className="w-full text-right text-xs text-red-700 dark:text-red-300">{describeError(mutation.error)}</p> : null}
    </form>
  );
}
