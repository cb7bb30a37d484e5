"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useDeferredValue, useId, useState } from "react";
import { describeError, fieldErrorsOf } from "@/app/_components/errors";
import { formatDuration } from "@/app/_components/format";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

const inputClass = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";

/** The one-time credential: revealed on click, then erased on the server. */
export function CredentialReveal({ grantId, available, revealedAt }: { grantId: string; available: boolean; revealedAt: string | null }) {
  const trpc = useTRPC();
  const reveal = useMutation(trpc.grants.revealCredential.mutationOptions());
  if (reveal.data) {
    const c = reveal.data as Record<string, string | number | undefined>;
    return (
      <div role="status" className="grid gap-2 text-sm">
        <p className="font-medium text-amber-800 dark:text-amber-200">Shown once: copy them now.</p>
        <dl className="grid grid-cols-[6rem_minmax(0,1fr)] gap-y-1 wrap-anywhere">
          {(["username", "password", "host", "port", "database"] as const).map((key) =>
            c[key] !== undefined ? (
              <div key={key} className="contents">
                <dt className="text-slate-500 dark:text-slate-400">{key}</dt>
                <dd><code data-testid={`credential-${key}`} className="break-all">{String(c[key])}</code></dd>
              </div>
            ) : null,
          )}
        </dl>
        {c.connectionString ? <code data-testid="credential-connection" className="break-all rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">{String(c.connectionString)}</code> : null}
      </div>
    );
  }
  if (!available) return <p className="text-sm text-slate-600 dark:text-slate-400">The credentials were shown {revealedAt ? `at ${revealedAt.slice(0, 16).replace("T", " ")} UTC` : "once"} and are no longer stored.</p>;
  return (
    <div className="grid gap-2 text-sm">
      <p>A login was created for this grant. It works until the grant ends.</p>
      <Button onClick={() => reveal.mutate({ grantId })} disabled={reveal.isPending}>{reveal.isPending ? "Revealing…" : "Show credentials (once)"}</Button>
      {reveal.error ? <p role="alert" className="text-red-700 dark:text-red-300">{describeError(reveal.error)}</p> : null}
    </div>
  );
}

/** Ask for more time: a fresh policy decision for the extra minutes. */
export function ExtendForm({ grantId }: { grantId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { minutes: useId(), why: useId(), ticket: useId() };
  const [minutes, setMinutes] = useState(30);
  const [justification, setJustification] = useState("");
  const [ticketRef, setTicketRef] = useState("");
  const extend = useMutation(trpc.grants.extend.mutationOptions({ onSuccess: () => router.refresh() }));
  const errors = fieldErrorsOf(extend.error);
  // What the policy would say, as the form is filled in (the same decision the submission makes).
  const asked = useDeferredValue({ minutes, justification, ticketRef });
  const preview = useQuery({
    ...trpc.grants.previewExtension.queryOptions({
      grantId,
      additionalMinutes: Math.round(asked.minutes),
      justification: asked.justification || undefined,
      ticketRef: asked.ticketRef || undefined,
    }),
    enabled: Number.isFinite(asked.minutes) && asked.minutes >= 1,
    placeholderData: keepPreviousData,
  });
  if (extend.data) {
    return <p role="status" className="text-sm">{extend.data.status === "APPROVED" ? "Extended: the new end time is shown above." : "Extension requested: approvers have been asked."}</p>;
  }
  return (
    <form
      className="grid gap-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        extend.mutate({ grantId, additionalMinutes: Math.round(minutes), justification, ticketRef: ticketRef || undefined });
      }}
    >
      <div>
        <label htmlFor={ids.minutes} className="mb-1 block font-medium">Extra minutes</label>
        <input id={ids.minutes} type="number" min={1} value={Number.isFinite(minutes) ? minutes : ""} onChange={(e) => setMinutes(e.target.valueAsNumber)} className={inputClass} />
      </div>
      <div>
        <label htmlFor={ids.why} className="mb-1 block font-medium">Why</label>
        <textarea id={ids.why} rows={2} value={justification} onChange={(e) => setJustification(e.target.value)} className={inputClass} aria-invalid={Boolean(errors.justification)} />
      </div>
      <div>
        <label htmlFor={ids.ticket} className="mb-1 block font-medium">Ticket <span className="font-normal text-slate-500 dark:text-slate-400">(if the policy wants one)</span></label>
        <input id={ids.ticket} value={ticketRef} onChange={(e) => setTicketRef(e.target.value)} className={inputClass} />
      </div>
      <ExtensionPreview preview={preview.data} loading={preview.isFetching && !preview.data} error={preview.error} />
      {extend.error ? <p role="alert" className="text-red-700 dark:text-red-300">{describeError(extend.error)}</p> : null}
      <Button type="submit" disabled={extend.isPending}>{extend.isPending ? "Asking…" : "Request extension"}</Button>
    </form>
  );
}

interface ExtensionDecision {
  outcome: "deny" | "auto_approve" | "approval";
  reasons: string[];
  violations: { message: string }[];
  maxDurationMinutes: number;
  stagesSummary: string | null;
  approvers: { stage: string; required: number; people: string[] }[];
}

/** The policy's answer to the extension as asked so far: at once, by whom, or why not. */
function ExtensionPreview({ preview, loading, error }: { preview: ExtensionDecision | undefined; loading: boolean; error: unknown }) {
  if (loading) return <p role="status" className="text-slate-600 dark:text-slate-400">Checking the policy…</p>;
  if (!preview) return error ? <p className="text-slate-600 dark:text-slate-400">{describeError(error)}</p> : null;
  const tone =
    preview.violations.length || preview.outcome === "deny"
      ? "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
      : preview.outcome === "auto_approve"
        ? "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100"
        : "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100";
  return (
    <div role="status" aria-live="polite" data-testid="extension-preview" className={`rounded-md border p-3 ${tone}`}>
      <p className="font-medium">
        {preview.violations.length
          ? preview.violations[0]!.message
          : preview.outcome === "deny"
            ? `Not allowed: ${preview.reasons[0] ?? "the policy does not allow this extension"}`
            : preview.outcome === "auto_approve"
              ? "Approved by policy at once: the end moves when you ask."
              : `Needs approval: ${preview.stagesSummary ?? "approvers decide"}`}
      </p>
      {preview.outcome === "approval" && !preview.violations.length ? (
        <ul className="mt-1 text-xs">
          {preview.approvers.map((a) => (
            <li key={a.stage}>{a.stage}: {a.required} of {a.people.join(", ") || "nobody available"}</li>
          ))}
        </ul>
      ) : null}
      <p className="mt-1 text-xs">At most {formatDuration(preview.maxDurationMinutes)} per extension.</p>
    </div>
  );
}

export function AdminRevoke({ grantId, holder }: { grantId: string; holder: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const revoke = useMutation(trpc.grants.revoke.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <form
      className="grid gap-2 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        revoke.mutate({ grantId, reason });
      }}
    >
      <label htmlFor={reasonId} className="font-medium">Revoke {holder}’s access now</label>
      <input id={reasonId} required minLength={3} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Reason (goes in the ledger)" className={inputClass} />
      {revoke.error ? <p role="alert" className="text-red-700 dark:text-red-300">{describeError(revoke.error)}</p> : null}
      <Button variant="danger" type="submit" disabled={revoke.isPending}>{revoke.isPending ? "Revoking…" : "Revoke"}</Button>
    </form>
  );
}
