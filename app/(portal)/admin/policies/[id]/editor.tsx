"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

/**
 * The rules document as JSON (docs/policies.md documents every field, CEL conditions included). The
 * server validates it completely — CEL syntax errors name the condition and position — before saving.
 */
export function PolicyEditor({ policyId, resourceId, initialJson }: { policyId?: string; resourceId?: string; initialJson: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { json: useId(), note: useId() };
  const [json, setJson] = useState(initialJson);
  const [note, setNote] = useState("");
  const save = useMutation(
    trpc.policies.save.mutationOptions({
      onSuccess: (saved) => {
        setNote("");
        router.push(`/admin/policies/${saved.policyId}`);
        router.refresh();
      },
    }),
  );
  const issues = (save.error as { data?: { details?: { issues?: { path: string; message: string }[] } } } | null)?.data?.details?.issues;
  return (
    <form
      className="grid gap-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ policyId, resourceId, rulesJson: json, note });
      }}
    >
      <label htmlFor={ids.json} className="font-medium">Rules (JSON)</label>
      <textarea id={ids.json} value={json} onChange={(e) => setJson(e.target.value)} rows={24} spellCheck={false} className="w-full rounded-md border border-slate-300 bg-white p-3 font-mono text-xs dark:border-slate-700 dark:bg-slate-950" aria-invalid={Boolean(save.error)} aria-describedby={`${ids.json}-help`} />
      <p id={`${ids.json}-help`} className="text-xs text-slate-600 dark:text-slate-400">Approval modes, stages, limits, ticket and justification rules, business hours, on-call relaxation, break-glass, SLA, and CEL conditions — see docs/policies.md.</p>
      <div>
        <label htmlFor={ids.note} className="mb-1 block font-medium">What changed and why</label>
        <input id={ids.note} value={note} onChange={(e) => setNote(e.target.value)} required minLength={3} className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-700 dark:bg-slate-900" />
      </div>
      {save.error ? (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          <p>{describeError(save.error)}</p>
          {issues && issues.length > 1 ? <ul className="mt-1 list-disc pl-5">{issues.slice(1, 6).map((i) => <li key={`${i.path}:${i.message}`}>{i.path}: {i.message}</li>)}</ul> : null}
        </div>
      ) : null}
      {save.isSuccess ? <p role="status">Saved as version {save.data.version}.</p> : null}
      <Button type="submit" disabled={save.isPending}>{save.isPending ? "Validating and saving…" : "Save new version"}</Button>
    </form>
  );
}
