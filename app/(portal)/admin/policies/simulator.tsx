"use client";

import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { describeError } from "@/app/_components/errors";
import { formatDuration } from "@/app/_components/format";
import { Badge } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

const selectClass = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";

/** "What would happen if this person requested this access now?" — live, with the reasons. */
export function PolicySimulator({ identities, resources }: { identities: { id: string; name: string; kind: string }[]; resources: { id: string; name: string; tier: number; accessLevels: { id: string; name: string }[] }[] }) {
  const trpc = useTRPC();
  const ids = { who: useId(), what: useId(), level: useId(), minutes: useId(), bg: useId() };
  const [identityId, setIdentityId] = useState(identities[0]?.id ?? "");
  const [resourceId, setResourceId] = useState(resources[0]?.id ?? "");
  const resource = resources.find((r) => r.id === resourceId);
  const [accessLevelId, setAccessLevelId] = useState(resource?.accessLevels[0]?.id ?? "");
  const [minutes, setMinutes] = useState(60);
  const [breakGlass, setBreakGlass] = useState(false);
  const enabled = Boolean(identityId && resourceId && accessLevelId && Number.isInteger(minutes) && minutes > 0);
  const result = useQuery({ ...trpc.policies.simulate.queryOptions({ identityId, resourceId, accessLevelId, durationMinutes: minutes, breakGlass }), enabled });
  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
      <div className="grid gap-3 text-sm">
        <div>
          <label htmlFor={ids.who} className="mb-1 block font-medium">Who</label>
          <select id={ids.who} value={identityId} onChange={(e) => setIdentityId(e.target.value)} className={selectClass}>
            {identities.map((i) => <option key={i.id} value={i.id}>{i.name}{i.kind === "MACHINE" ? " (machine)" : ""}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor={ids.what} className="mb-1 block font-medium">Resource</label>
          <select id={ids.what} value={resourceId} onChange={(e) => { setResourceId(e.target.value); setAccessLevelId(resources.find((r) => r.id === e.target.value)?.accessLevels[0]?.id ?? ""); }} className={selectClass}>
            {resources.map((r) => <option key={r.id} value={r.id}>{r.name} (tier {r.tier})</option>)}
          </select>
        </div>
        <div className="grid grid-cols-2 gap-3">
          <div>
            <label htmlFor={ids.level} className="mb-1 block font-medium">Access level</label>
            <select id={ids.level} value={accessLevelId} onChange={(e) => setAccessLevelId(e.target.value)} className={selectClass}>
              {resource?.accessLevels.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
            </select>
          </div>
          <div>
            <label htmlFor={ids.minutes} className="mb-1 block font-medium">Minutes</label>
            <input id={ids.minutes} type="number" min={1} value={Number.isFinite(minutes) ? minutes : ""} onChange={(e) => setMinutes(e.target.valueAsNumber)} className={selectClass} />
          </div>
        </div>
        <label htmlFor={ids.bg} className="flex items-center gap-2"><input id={ids.bg} type="checkbox" checked={breakGlass} onChange={(e) => setBreakGlass(e.target.checked)} /> As break-glass</label>
      </div>
      <div aria-live="polite" className="rounded-md border border-slate-200 p-4 text-sm dark:border-slate-800" data-testid="simulation">
        {!enabled ? (
          <p className="text-slate-600 dark:text-slate-400">Pick someone and an access.</p>
        ) : result.isPending ? (
          <p role="status">Evaluating…</p>
        ) : result.isError ? (
          <p role="alert" className="text-red-700 dark:text-red-300">{describeError(result.error)}</p>
        ) : (
          <div className="grid gap-2">
            <p>
              If <strong>{result.data.requester}</strong> asked now:{" "}
              {result.data.outcome === "auto_approve" ? <Badge tone="good">approved automatically</Badge> : result.data.outcome === "approval" ? <Badge tone="warn">needs approval</Badge> : <Badge tone="bad">denied</Badge>}
            </p>
            <ul className="list-disc pl-5">{result.data.reasons.map((r) => <li key={r}>{r}</li>)}</ul>
            {result.data.approvers.map((stage) => (
              <p key={stage.stage}><span className="font-medium">{stage.stage}</span>: {stage.required} of {stage.people.join(", ") || "nobody"}</p>
            ))}
            <p className="text-slate-600 dark:text-slate-400">Risk {result.data.risk.score}/100 · max {formatDuration(result.data.maxDurationMinutes)} · {result.data.policy} v{result.data.policyVersion} · {result.data.businessHours ? "within" : "outside"} business hours</p>
          </div>
        )}
      </div>
    </div>
  );
}
