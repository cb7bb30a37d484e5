"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { describeError, fieldErrorsOf } from "@/app/_components/errors";
import { Button, Card } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

const inputClass = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";

/** Creates a machine identity with its owner; its token is then issued on the API tokens page. */
export function NewMachineForm({ people }: { people: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { name: useId(), owner: useId(), purpose: useId(), nameHint: useId() };
  const [name, setName] = useState("");
  const [ownerId, setOwnerId] = useState("");
  const [purpose, setPurpose] = useState("");
  const create = useMutation(
    trpc.identities.createMachine.mutationOptions({
      onSuccess: () => {
        setName("");
        setPurpose("");
        router.refresh();
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  return (
    <Card title="New machine identity" className="mb-4">
      <form
        className="grid gap-4 text-sm md:grid-cols-3"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name, ownerId, purpose });
        }}
      >
        <div>
          <label htmlFor={ids.name} className="mb-1 block font-medium">Name</label>
          <input id={ids.name} required value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. nightly-billing-export" aria-describedby={ids.nameHint} aria-invalid={Boolean(errors.name)} className={inputClass} />
          <p id={ids.nameHint} className={errors.name ? "mt-1 text-xs text-red-700 dark:text-red-300" : "mt-1 text-xs text-slate-500 dark:text-slate-400"}>{errors.name ?? "Lower-case letters, digits, dots, dashes."}</p>
        </div>
        <div>
          <label htmlFor={ids.owner} className="mb-1 block font-medium">Owner</label>
          <select id={ids.owner} required value={ownerId} onChange={(e) => setOwnerId(e.target.value)} aria-invalid={Boolean(errors.ownerId)} className={inputClass}>
            <option value="">Pick a person…</option>
            {people.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
          <p className={errors.ownerId ? "mt-1 text-xs text-red-700 dark:text-red-300" : "mt-1 text-xs text-slate-500 dark:text-slate-400"}>{errors.ownerId ?? "Answers for it; never approves its requests."}</p>
        </div>
        <div>
          <label htmlFor={ids.purpose} className="mb-1 block font-medium">What it does</label>
          <input id={ids.purpose} required value={purpose} onChange={(e) => setPurpose(e.target.value)} placeholder="Exports invoices to the data lake every night" aria-invalid={Boolean(errors.purpose)} className={inputClass} />
          {errors.purpose ? <p className="mt-1 text-xs text-red-700 dark:text-red-300">{errors.purpose}</p> : null}
        </div>
        <div className="flex flex-wrap items-center gap-3 md:col-span-3">
          <Button type="submit" disabled={create.isPending}>{create.isPending ? "Creating…" : "Create machine identity"}</Button>
          {create.data ? (
            <p role="status">
              {create.data.name} created. <Link href="/admin/tokens" className="underline">Issue its API token</Link>.
            </p>
          ) : null}
          {create.error && !Object.keys(errors).length ? <p role="alert" className="text-red-700 dark:text-red-300">{describeError(create.error)}</p> : null}
        </div>
      </form>
    </Card>
  );
}
