"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { describeError, fieldErrorsOf } from "@/app/_components/errors";
import { DateTime } from "@/app/_components/format";
import { Badge, Button, EmptyState, Table, Td, Th, type BadgeTone } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import { formatBytes } from "@/app/(portal)/ledger/ledger-url";

const statusTone: Record<string, BadgeTone> = { QUEUED: "neutral", RUNNING: "info", READY: "good", FAILED: "bad" };
const field = "w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";
const label = "mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400";

/**
 * Evidence packs: the auditor picks a period and (optionally) resources; a job builds the zip while this
 * list shows its progress (polled every 2 s while any pack is being built); finished packs download here
 * for as long as the data folder keeps them.
 */
export function EvidencePanel({ resources, defaultPeriod }: { resources: { id: string; name: string }[]; defaultPeriod: { from: string; to: string } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listOptions = trpc.evidence.list.queryOptions();
  const packs = useQuery({
    ...listOptions,
    refetchInterval: (query) => (query.state.data?.some((p) => p.status === "QUEUED" || p.status === "RUNNING") ? 2_000 : false),
  });
  const request = useMutation(trpc.evidence.request.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries({ queryKey: listOptions.queryKey }) }));
  const [periodStart, setPeriodStart] = useState(defaultPeriod.from);
  const [periodEnd, setPeriodEnd] = useState(defaultPeriod.to);
  const [resourceIds, setResourceIds] = useState<string[]>([]);
  const ids = { start: useId(), end: useId(), resources: useId(), hint: useId() };
  const errors = fieldErrorsOf(request.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    request.mutate({ periodStart, periodEnd, resourceIds });
  }

  return (
    <div className="grid gap-4">
      <form onSubmit={submit} className="grid gap-3 md:grid-cols-[10rem_10rem_minmax(0,1fr)_auto] md:items-end" aria-label="Request an evidence pack">
        <div>
          <label htmlFor={ids.start} className={label}>Period from</label>
          <input id={ids.start} type="date" required value={periodStart} onChange={(e) => setPeriodStart(e.target.value)} className={field} aria-invalid={errors.periodStart ? true : undefined} />
        </div>
        <div>
          <label htmlFor={ids.end} className={label}>to (inclusive)</label>
          <input id={ids.end} type="date" required value={periodEnd} onChange={(e) => setPeriodEnd(e.target.value)} className={field} aria-invalid={errors.periodEnd ? true : undefined} />
        </div>
        <div>
          <label htmlFor={ids.resources} className={label}>Scope: resources (none chosen = all)</label>
          <select
            id={ids.resources}
            multiple
            size={Math.min(4, Math.max(2, resources.length))}
            value={resourceIds}
            onChange={(e) => setResourceIds([...e.target.selectedOptions].map((o) => o.value))}
            className={field}
            aria-describedby={ids.hint}
          >
            {resources.map((r) => (
              <option key={r.id} value={r.id}>{r.name}</option>
            ))}
          </select>
          <span id={ids.hint} className="sr-only">Hold Control or Shift to choose several.</span>
        </div>
        <Button type="submit" disabled={request.isPending}>{request.isPending ? "Requesting…" : "Generate evidence pack"}</Button>
      </form>
      {request.error ? <p role="alert" className="text-sm text-red-700 dark:text-red-300">{describeError(request.error)}</p> : null}

      {packs.isPending ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" role="status">Loading evidence packs…</p>
      ) : packs.error ? (
        <p className="text-sm text-red-700 dark:text-red-300">{describeError(packs.error)}</p>
      ) : packs.data.length === 0 ? (
        <EmptyState title="No evidence packs yet">A pack bundles the period&apos;s access population, policy versions, break-glass reviews, drift, verification result and a signed manifest into one zip.</EmptyState>
      ) : (
        <Table caption="Evidence packs">
          <thead>
            <tr><Th>Period</Th><Th>Scope</Th><Th>Requested</Th><Th>Status</Th><Th>Contents</Th><Th><span className="sr-only">Download</span></Th></tr>
          </thead>
          <tbody>
            {packs.data.map((pack) => (
              <tr key={pack.id}>
                <Td className="whitespace-nowrap text-xs tabular-nums">{pack.periodStart.toISOString().slice(0, 10)} – {pack.periodLastDay.toISOString().slice(0, 10)}</Td>
                <Td className="text-xs">{pack.resources.length ? pack.resources.join(", ") : "All resources"}</Td>
                <Td className="text-xs">{pack.requestedBy}<span className="block text-slate-500 dark:text-slate-400"><DateTime value={pack.createdAt} /></span></Td>
                <Td className="min-w-40 text-xs">
                  <Badge tone={statusTone[pack.status] ?? "neutral"}>{pack.status.toLowerCase()}</Badge>
                  {pack.status === "RUNNING" || pack.status === "QUEUED" ? (
                    <span className="mt-1 block">
                      <progress max={100} value={pack.progress} className="h-1.5 w-full accent-brand-600" aria-label={`Evidence pack progress: ${pack.progress}%`} />
                      <span className="text-slate-600 dark:text-slate-400">{pack.stage ?? "Waiting for the job"} · {pack.progress}%</span>
                    </span>
                  ) : null}
                  {pack.status === "FAILED" ? <span className="mt-1 block text-red-700 dark:text-red-300">{pack.error}</span> : null}
                </Td>
                <Td className="text-xs">
                  {pack.summary ? (
                    <>
                      {String(pack.summary.grants)} grants · {String(pack.summary.people)} people · {String(pack.summary.breakGlass)} break-glass
                      <span className="block">{pack.summary.verified ? <Badge tone="good">ledger verified</Badge> : <Badge tone="bad">ledger NOT verified</Badge>}</span>
                    </>
                  ) : null}
                </Td>
                <Td className="whitespace-nowrap text-xs">
                  {pack.status === "READY" ? (
                    <>
                      <a href={`/api/ledger/evidence/${pack.id}`} download={pack.fileName} className="font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">
                        Download zip
                      </a>
                      <span className="block text-slate-500 dark:text-slate-400" title={pack.sha256 ?? undefined}>{pack.sizeBytes ? formatBytes(pack.sizeBytes) : ""} · SHA-256 {pack.sha256?.slice(0, 10)}…</span>
                    </>
                  ) : null}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
