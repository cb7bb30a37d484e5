"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useDeferredValue, useId, useMemo, useState } from "react";
import { describeError, fieldErrorsOf } from "@/app/_components/errors";
import { formatDuration, TierBadge } from "@/app/_components/format";
import { Badge, Button, Card, cx } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import type { RouterOutputs } from "@/app/_trpc/types";

export interface CatalogResource {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  tier: number;
  tags: string[];
  environment: string;
  owner: string | null;
  accessLevels: { id: string; key: string; name: string; mode: string }[];
}

const inputClass = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";

/** Local date-time input value → ISO instant with the browser's offset (the API refuses zone-less times). */
function toInstant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function RequestForm({ resources, initialResourceId, initialLevelKey }: { resources: CatalogResource[]; initialResourceId?: string; initialLevelKey?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { search: useId(), duration: useId(), start: useId(), justification: useId(), ticket: useId() };
  const [query, setQuery] = useState("");
  const [resourceId, setResourceId] = useState(initialResourceId ?? "");
  const resource = resources.find((r) => r.id === resourceId);
  const [levelId, setLevelId] = useState(() => resource?.accessLevels.find((l) => l.key === initialLevelKey)?.id ?? resource?.accessLevels[0]?.id ?? "");
  const [durationMinutes, setDurationMinutes] = useState(60);
  const [startLater, setStartLater] = useState(false);
  const [startLocal, setStartLocal] = useState("");
  const [justification, setJustification] = useState("");
  const [ticketRef, setTicketRef] = useState("");

  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return resources;
    return resources.filter((r) => [r.name, r.slug, r.description ?? "", r.owner ?? "", ...r.tags].some((v) => v.toLowerCase().includes(q)) || `tier ${r.tier}` === q);
  }, [query, resources]);

  const previewInput = useDeferredValue({
    resourceId,
    accessLevelId: levelId,
    durationMinutes: Number.isFinite(durationMinutes) && durationMinutes > 0 ? Math.round(durationMinutes) : undefined,
    startsAt: startLater ? toInstant(startLocal) : undefined,
    justification,
    ticketRef: ticketRef || undefined,
  });
  const preview = useQuery({
    ...trpc.requests.preview.queryOptions(previewInput),
    enabled: Boolean(resourceId && levelId),
    placeholderData: keepPreviousData,
  });
  const create = useMutation(
    trpc.requests.create.mutationOptions({
      onSuccess: (created) => router.push(`/access/requests/${created.id}`),
    }),
  );
  const serverFieldErrors = fieldErrorsOf(create.error);
  const violations = Object.fromEntries((preview.data?.violations ?? []).map((v) => [v.field, v.message]));
  const showViolation = (field: string) => (create.isError || (field !== "justification" && field !== "ticketRef") || (field === "justification" ? justification.length > 0 : ticketRef.length > 0) ? violations[field] : undefined);

  function pickResource(id: string) {
    setResourceId(id);
    const next = resources.find((r) => r.id === id);
    setLevelId(next?.accessLevels[0]?.id ?? "");
  }

  return (
    <form
      className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate({
          resourceId,
          accessLevelId: levelId,
          durationMinutes: Math.round(durationMinutes),
          startsAt: startLater ? toInstant(startLocal) : undefined,
          justification,
          ticketRef: ticketRef || undefined,
        });
      }}
      noValidate
    >
      <div className="grid gap-6">
        <Card title="1 · What do you need?">
          <label htmlFor={ids.search} className="mb-1 block text-sm font-medium">Find a resource</label>
          <input id={ids.search} value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Name, tag, owner or tier (e.g. orders, pci, tier 1)" className={inputClass} />
          <fieldset className="mt-3">
            <legend className="sr-only">Resource</legend>
            <div role="radiogroup" aria-label="Resource" className="grid max-h-80 gap-2 overflow-y-auto pr-1 sm:grid-cols-2">
              {filtered.map((r) => (
                <label
                  key={r.id}
                  className={cx(
                    "cursor-pointer rounded-md border p-3 text-sm focus-within:ring-2 focus-within:ring-brand-500",
                    r.id === resourceId ? "border-brand-600 bg-brand-50 dark:bg-slate-800" : "border-slate-200 hover:border-slate-400 dark:border-slate-700",
                  )}
                >
                  <input type="radio" name="resource" value={r.id} checked={r.id === resourceId} onChange={() => pickResource(r.id)} className="sr-only" />
                  <span className="flex items-start justify-between gap-2">
                    <span className="font-medium">{r.name}</span>
                    <TierBadge tier={r.tier} />
                  </span>
                  <span className="mt-1 block text-xs text-slate-600 dark:text-slate-400">{r.description}</span>
                </label>
              ))}
              {filtered.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">No resource matches “{query}”.</p> : null}
            </div>
          </fieldset>
          {resource ? (
            <fieldset className="mt-4">
              <legend className="mb-1 text-sm font-medium">Access level</legend>
              <div className="flex flex-wrap gap-2">
                {resource.accessLevels.map((level) => (
                  <label key={level.id} className={cx("cursor-pointer rounded-md border px-3 py-1.5 text-sm focus-within:ring-2 focus-within:ring-brand-500", level.id === levelId ? "border-brand-600 bg-brand-50 font-medium dark:bg-slate-800" : "border-slate-300 dark:border-slate-700")}>
                    <input type="radio" name="accessLevel" value={level.id} checked={level.id === levelId} onChange={() => setLevelId(level.id)} className="sr-only" />
                    {level.name}
                    <span className="ml-1 text-xs text-slate-600 dark:text-slate-400">{level.mode === "EPHEMERAL_CREDENTIAL" ? "(temporary login)" : "(your account)"}</span>
                  </label>
                ))}
              </div>
            </fieldset>
          ) : null}
        </Card>

        <Card title="2 · For how long, and why?">
          <div className="grid gap-4">
            <div>
              <span className="mb-1 block text-sm font-medium" id={`${ids.duration}-label`}>Duration</span>
              <div className="flex flex-wrap items-center gap-2" role="group" aria-labelledby={`${ids.duration}-label`}>
                {(preview.data?.durationPresets ?? [15, 60, 240]).map((minutes) => (
                  <button
                    key={minutes}
                    type="button"
                    aria-pressed={durationMinutes === minutes}
                    onClick={() => setDurationMinutes(minutes)}
                    className={cx("rounded-md border px-3 py-1.5 text-sm", durationMinutes === minutes ? "border-brand-600 bg-brand-600 text-white" : "border-slate-300 hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800")}
                  >
                    {formatDuration(minutes)}
                  </button>
                ))}
                <label htmlFor={ids.duration} className="ml-2 text-sm">Custom (minutes)</label>
                <input
                  id={ids.duration}
                  type="number"
                  min={1}
                  step={1}
                  value={Number.isFinite(durationMinutes) ? durationMinutes : ""}
                  onChange={(e) => setDurationMinutes(e.target.valueAsNumber)}
                  aria-invalid={Boolean(showViolation("durationMinutes") || serverFieldErrors.durationMinutes)}
                  aria-describedby={`${ids.duration}-hint`}
                  className="w-24 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
                />
              </div>
              <p id={`${ids.duration}-hint`} className={cx("mt-1 text-xs", showViolation("durationMinutes") || serverFieldErrors.durationMinutes ? "text-red-700 dark:text-red-300" : "text-slate-500 dark:text-slate-400")}>
                {serverFieldErrors.durationMinutes ?? showViolation("durationMinutes") ?? (preview.data ? `At most ${formatDuration(preview.data.maxDurationMinutes)} for this access.` : " ")}
              </p>
            </div>
            <fieldset>
              <legend className="mb-1 text-sm font-medium">Start</legend>
              <div className="flex flex-wrap items-center gap-4 text-sm">
                <label className="flex items-center gap-1.5"><input type="radio" name="start" checked={!startLater} onChange={() => setStartLater(false)} /> Now</label>
                <label className="flex items-center gap-1.5"><input type="radio" name="start" checked={startLater} onChange={() => setStartLater(true)} /> Later</label>
                {startLater ? (
                  <>
                    <label htmlFor={ids.start} className="sr-only">Start time (your local time)</label>
                    <input id={ids.start} type="datetime-local" value={startLocal} onChange={(e) => setStartLocal(e.target.value)} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900" />
                  </>
                ) : null}
              </div>
              {showViolation("startsAt") ? <p className="mt-1 text-xs text-red-700 dark:text-red-300">{showViolation("startsAt")}</p> : null}
            </fieldset>
            <div>
              <label htmlFor={ids.justification} className="mb-1 block text-sm font-medium">Justification</label>
              <textarea
                id={ids.justification}
                rows={3}
                value={justification}
                onChange={(e) => setJustification(e.target.value)}
                aria-invalid={Boolean(showViolation("justification") || serverFieldErrors.justification)}
                aria-describedby={`${ids.justification}-hint`}
                placeholder="What will you do with this access, and why now?"
                className={inputClass}
              />
              <p id={`${ids.justification}-hint`} className={cx("mt-1 text-xs", showViolation("justification") || serverFieldErrors.justification ? "text-red-700 dark:text-red-300" : "text-slate-500 dark:text-slate-400")}>
                {serverFieldErrors.justification ?? showViolation("justification") ?? `Approvers and auditors read this. At least ${preview.data?.justificationMinLength ?? 10} characters.`}
              </p>
            </div>
            <div>
              <label htmlFor={ids.ticket} className="mb-1 block text-sm font-medium">
                Ticket {preview.data?.ticketRequired ? <span className="text-red-700 dark:text-red-300">(required)</span> : <span className="font-normal text-slate-500 dark:text-slate-400">(optional)</span>}
              </label>
              <input id={ids.ticket} value={ticketRef} onChange={(e) => setTicketRef(e.target.value)} placeholder={preview.data?.ticketExample ?? "INC-1234"} aria-invalid={Boolean(showViolation("ticketRef") || serverFieldErrors.ticketRef)} className={inputClass} />
              {serverFieldErrors.ticketRef ?? showViolation("ticketRef") ? <p className="mt-1 text-xs text-red-700 dark:text-red-300">{serverFieldErrors.ticketRef ?? showViolation("ticketRef")}</p> : null}
            </div>
          </div>
        </Card>
      </div>

      <aside aria-label="What will happen" className="lg:sticky lg:top-4 lg:self-start">
        <Card title="What will happen">
          <PolicyPreview preview={preview.data} loading={preview.isFetching} hasSelection={Boolean(resourceId && levelId)} error={preview.error} />
          {create.error ? (
            <p role="alert" className="mt-4 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
              {describeError(create.error)}
            </p>
          ) : null}
          <Button type="submit" className="mt-4 w-full" disabled={!resourceId || !levelId || create.isPending}>
            {create.isPending ? "Submitting…" : preview.data?.ruleOutcome === "auto_approve" ? "Get access" : "Submit request"}
          </Button>
        </Card>
      </aside>
    </form>
  );
}

type Preview = RouterOutputs["requests"]["preview"];

function PolicyPreview({ preview, loading, hasSelection, error }: { preview: Preview | undefined; loading: boolean; hasSelection: boolean; error: unknown }) {
  if (!hasSelection) return <p className="text-sm text-slate-600 dark:text-slate-400">Pick a resource and an access level to see what the policy decides.</p>;
  if (error && !preview) return <p role="alert" className="text-sm text-red-700 dark:text-red-300">{describeError(error)}</p>;
  if (!preview) return <p role="status" className="text-sm text-slate-600 dark:text-slate-400">Checking the policy…</p>;
  const outcome = preview.ruleOutcome;
  return (
    <div aria-live="polite" aria-busy={loading} className={cx("grid gap-3 text-sm", loading && "opacity-70")}>
      <div data-testid="policy-outcome">
        {outcome === "auto_approve" ? (
          <Badge tone="good">Approved automatically</Badge>
        ) : outcome === "approval" ? (
          <Badge tone="warn">Needs approval</Badge>
        ) : (
          <Badge tone="bad">Not allowed</Badge>
        )}
      </div>
      {preview.blocker ? <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-2 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">{preview.blocker}</p> : null}
      {preview.approvers.length ? (
        <ul className="grid gap-1">
          {preview.approvers.map((stage) => (
            <li key={stage.stage}>
              <span className="font-medium">{stage.stage}:</span> {stage.required} of {stage.people.length}
              <span className="block text-xs text-slate-600 dark:text-slate-400">{stage.people.join(", ") || "nobody yet — it will escalate"}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <ul className="list-disc space-y-1 pl-5 text-slate-700 dark:text-slate-300">
        {preview.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <div>
        <div className="flex items-center justify-between">
          <span className="font-medium">Risk</span>
          <span className="tabular-nums">{preview.risk.score} / 100</span>
        </div>
        <div className="mt-1 h-2 rounded bg-slate-200 dark:bg-slate-800" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={preview.risk.score} aria-label="Risk score">
          <div className={cx("h-2 rounded", preview.risk.score >= 60 ? "bg-red-500" : preview.risk.score >= 30 ? "bg-amber-500" : "bg-emerald-500")} style={{ width: `${preview.risk.score}%` }} />
        </div>
        <ul className="mt-2 space-y-0.5 text-xs text-slate-600 dark:text-slate-400">
          {preview.risk.reasons.map((r) => (
            <li key={r.factor}>
              {r.points > 0 ? "+" : ""}
              {r.points} {r.detail}
            </li>
          ))}
        </ul>
      </div>
      <p className="text-xs text-slate-500 dark:text-slate-400">Maximum {formatDuration(preview.maxDurationMinutes)} · policy version {preview.policyVersion}</p>
    </div>
  );
}
