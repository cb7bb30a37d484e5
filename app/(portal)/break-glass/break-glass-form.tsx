"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { describeError, fieldErrorsOf } from "@/app/_components/errors";
import { formatDuration } from "@/app/_components/format";
import { Button, Card } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

const inputClass = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";

export function BreakGlassForm({ resources }: { resources: { id: string; name: string; tier: number; maxMinutes: number; accessLevels: { id: string; name: string }[] }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { resource: useId(), level: useId(), minutes: useId(), minutesHint: useId(), reason: useId(), ticket: useId(), confirm: useId() };
  const [resourceId, setResourceId] = useState(resources[0]?.id ?? "");
  const resource = resources.find((r) => r.id === resourceId);
  const [levelId, setLevelId] = useState(resource?.accessLevels[0]?.id ?? "");
  const [minutes, setMinutes] = useState(Math.min(30, resources[0]?.maxMinutes ?? 30));
  const [reason, setReason] = useState("");
  const [ticketRef, setTicketRef] = useState("");
  const [confirmed, setConfirmed] = useState(false);
  const mutation = useMutation(trpc.requests.breakGlass.mutationOptions({ onSuccess: (r) => router.push(`/access/grants/${r.grantId}`) }));
  const errors = fieldErrorsOf(mutation.error);
  return (
    <Card className="max-w-2xl border-red-300 dark:border-red-900">
      <form
        className="grid gap-4 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          mutation.mutate({ resourceId, accessLevelId: levelId, durationMinutes: Math.round(minutes), reason, ticketRef: ticketRef || undefined });
        }}
      >
        <div className="grid gap-4 sm:grid-cols-2">
          <div>
            <label htmlFor={ids.resource} className="mb-1 block font-medium">Resource</label>
            <select id={ids.resource} value={resourceId} onChange={(e) => { const next = resources.find((r) => r.id === e.target.value); setResourceId(e.target.value); setLevelId(next?.accessLevels[0]?.id ?? ""); if (next) setMinutes((m) => Math.min(m, next.maxMinutes)); }} className={inputClass}>
              {resources.map((r) => <option key={r.id} value={r.id}>{r.name} (tier {r.tier})</option>)}
            </select>
          </div>
          <div>
            <label htmlFor={ids.level} className="mb-1 block font-medium">Access</label>
            <select id={ids.level} value={levelId} onChange={(e) => setLevelId(e.target.value)} className={inputClass}>
              {resource?.accessLevels.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
            </select>
          </div>
        </div>
        <div>
          <label htmlFor={ids.minutes} className="mb-1 block font-medium">Minutes</label>
          <input id={ids.minutes} type="number" min={1} max={resource?.maxMinutes} aria-describedby={ids.minutesHint} value={Number.isFinite(minutes) ? minutes : ""} onChange={(e) => setMinutes(e.target.valueAsNumber)} className="w-28 rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-700 dark:bg-slate-900" />
          <p id={ids.minutesHint} className="mt-1 text-xs text-slate-500 dark:text-slate-400">{resource ? `At most ${formatDuration(resource.maxMinutes)} on ${resource.name} (its policy's break-glass window).` : null}</p>
        </div>
        <div>
          <label htmlFor={ids.reason} className="mb-1 block font-medium">Reason</label>
          <textarea id={ids.reason} rows={3} required minLength={20} value={reason} onChange={(e) => setReason(e.target.value)} aria-invalid={Boolean(errors.reason)} placeholder="What is broken, what you will do, and why it cannot wait" className={inputClass} />
          {errors.reason ? <p className="mt-1 text-xs text-red-700 dark:text-red-300">{errors.reason}</p> : null}
        </div>
        <div>
          <label htmlFor={ids.ticket} className="mb-1 block font-medium">Incident <span className="font-normal text-slate-500 dark:text-slate-400">(optional)</span></label>
          <input id={ids.ticket} value={ticketRef} onChange={(e) => setTicketRef(e.target.value)} placeholder="INC-1234" className={inputClass} />
        </div>
        <label htmlFor={ids.confirm} className="flex items-start gap-2">
          <input id={ids.confirm} type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} className="mt-1" />
          <span>I understand security is alerted now and this access will be reviewed by another admin.</span>
        </label>
        {mutation.error ? <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">{describeError(mutation.error)}</p> : null}
        <Button type="submit" variant="danger" disabled={!confirmed || mutation.isPending}>{mutation.isPending ? "Breaking the glass…" : "Break the glass"}</Button>
      </form>
    </Card>
  );
}
