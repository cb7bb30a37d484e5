"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

export interface EditableResource {
  id?: string;
  slug: string;
  name: string;
  description: string;
  tier: number;
  tags: string[];
  environment: string;
  timeZone: string;
  connectorId: string | null;
  targetJson: string;
  ownerGroupId: string | null;
  fallbackGroupId: string | null;
  requestable: boolean;
  accessLevels: { id?: string; key: string; name: string; mode: "ROLE_ELEVATION" | "EPHEMERAL_CREDENTIAL"; privilegeJson: string; riskWeight: number }[];
}

const blank: EditableResource = {
  slug: "",
  name: "",
  description: "",
  tier: 2,
  tags: [],
  environment: "production",
  timeZone: "UTC",
  connectorId: null,
  targetJson: "{}",
  ownerGroupId: null,
  fallbackGroupId: null,
  requestable: true,
  accessLevels: [{ key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilegeJson: '{"role": ""}', riskWeight: 10 }],
};

const field = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";

export function ResourceEditor({ initial, connectors, groups }: { initial?: EditableResource; connectors: { id: string; name: string; kind: string }[]; groups: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const id = useId();
  const [r, setR] = useState<EditableResource>(initial ?? blank);
  const save = useMutation(trpc.resources.save.mutationOptions({ onSuccess: () => router.refresh() }));
  const set = <K extends keyof EditableResource>(key: K, value: EditableResource[K]) => setR((prev) => ({ ...prev, [key]: value }));
  const setLevel = (index: number, patch: Partial<EditableResource["accessLevels"][number]>) =>
    setR((prev) => ({ ...prev, accessLevels: prev.accessLevels.map((l, i) => (i === index ? { ...l, ...patch } : l)) }));
  const labelled = (name: string) => `${id}-${name}`;
  return (
    <form
      className="grid gap-4 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ ...r, description: r.description || undefined });
      }}
    >
      <div className="grid gap-4 md:grid-cols-3">
        <div><label htmlFor={labelled("name")} className="mb-1 block font-medium">Name</label><input id={labelled("name")} required value={r.name} onChange={(e) => set("name", e.target.value)} className={field} /></div>
        <div><label htmlFor={labelled("slug")} className="mb-1 block font-medium">Slug</label><input id={labelled("slug")} required value={r.slug} onChange={(e) => set("slug", e.target.value)} className={field} /></div>
        <div>
          <label htmlFor={labelled("tier")} className="mb-1 block font-medium">Tier</label>
          <select id={labelled("tier")} value={r.tier} onChange={(e) => set("tier", Number(e.target.value))} className={field}>
            <option value={1}>1 — most sensitive</option><option value={2}>2</option><option value={3}>3 — least sensitive</option>
          </select>
        </div>
        <div className="md:col-span-3"><label htmlFor={labelled("desc")} className="mb-1 block font-medium">Description</label><input id={labelled("desc")} value={r.description} onChange={(e) => set("description", e.target.value)} className={field} /></div>
        <div><label htmlFor={labelled("tags")} className="mb-1 block font-medium">Tags (comma-separated)</label><input id={labelled("tags")} value={r.tags.join(", ")} onChange={(e) => set("tags", e.target.value.split(",").map((t) => t.trim()).filter(Boolean))} className={field} /></div>
        <div><label htmlFor={labelled("env")} className="mb-1 block font-medium">Environment</label><input id={labelled("env")} value={r.environment} onChange={(e) => set("environment", e.target.value)} className={field} /></div>
        <div><label htmlFor={labelled("tz")} className="mb-1 block font-medium">Time zone (business hours)</label><input id={labelled("tz")} value={r.timeZone} onChange={(e) => set("timeZone", e.target.value)} className={field} /></div>
        <div>
          <label htmlFor={labelled("connector")} className="mb-1 block font-medium">Connector</label>
          <select id={labelled("connector")} value={r.connectorId ?? ""} onChange={(e) => set("connectorId", e.target.value || null)} className={field}>
            <option value="">None (cannot be provisioned)</option>
            {connectors.map((c) => <option key={c.id} value={c.id}>{c.name} ({c.kind.toLowerCase()})</option>)}
          </select>
        </div>
        <div><label htmlFor={labelled("target")} className="mb-1 block font-medium">Target (JSON)</label><input id={labelled("target")} value={r.targetJson} onChange={(e) => set("targetJson", e.target.value)} className={`${field} font-mono`} /></div>
        <label className="flex items-center gap-2 self-end"><input type="checkbox" checked={r.requestable} onChange={(e) => set("requestable", e.target.checked)} /> Requestable</label>
        <div>
          <label htmlFor={labelled("owner")} className="mb-1 block font-medium">Owner group (approves)</label>
          <select id={labelled("owner")} value={r.ownerGroupId ?? ""} onChange={(e) => set("ownerGroupId", e.target.value || null)} className={field}>
            <option value="">None</option>
            {groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor={labelled("fallback")} className="mb-1 block font-medium">Fallback group (escalation)</label>
          <select id={labelled("fallback")} value={r.fallbackGroupId ?? ""} onChange={(e) => set("fallbackGroupId", e.target.value || null)} className={field}>
            <option value="">None</option>
            {groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
          </select>
        </div>
      </div>
      <fieldset className="grid gap-3">
        <legend className="mb-1 font-medium">Access levels</legend>
        {r.accessLevels.map((level, index) => (
          <div key={level.id ?? index} className="grid gap-2 rounded-md border border-slate-200 p-3 md:grid-cols-[7rem_minmax(0,1fr)_12rem_minmax(0,1fr)_6rem] dark:border-slate-800">
            <div><label htmlFor={labelled(`key-${index}`)} className="mb-1 block text-xs font-medium">Key</label><input id={labelled(`key-${index}`)} value={level.key} onChange={(e) => setLevel(index, { key: e.target.value })} className={field} /></div>
            <div><label htmlFor={labelled(`lname-${index}`)} className="mb-1 block text-xs font-medium">Name</label><input id={labelled(`lname-${index}`)} value={level.name} onChange={(e) => setLevel(index, { name: e.target.value })} className={field} /></div>
            <div>
              <label htmlFor={labelled(`mode-${index}`)} className="mb-1 block text-xs font-medium">Mode</label>
              <select id={labelled(`mode-${index}`)} value={level.mode} onChange={(e) => setLevel(index, { mode: e.target.value as EditableResource["accessLevels"][number]["mode"] })} className={field}>
                <option value="EPHEMERAL_CREDENTIAL">Own login (shown once)</option>
                <option value="ROLE_ELEVATION">Role for their login</option>
              </select>
            </div>
            <div><label htmlFor={labelled(`priv-${index}`)} className="mb-1 block text-xs font-medium">Target privilege (JSON)</label><input id={labelled(`priv-${index}`)} value={level.privilegeJson} onChange={(e) => setLevel(index, { privilegeJson: e.target.value })} className={`${field} font-mono`} /></div>
            <div><label htmlFor={labelled(`risk-${index}`)} className="mb-1 block text-xs font-medium">Risk weight</label><input id={labelled(`risk-${index}`)} type="number" min={0} max={50} value={level.riskWeight} onChange={(e) => setLevel(index, { riskWeight: e.target.valueAsNumber || 0 })} className={field} /></div>
          </div>
        ))}
        <div><Button type="button" variant="secondary" onClick={() => set("accessLevels", [...r.accessLevels, { key: "", name: "", mode: "EPHEMERAL_CREDENTIAL", privilegeJson: "{}", riskWeight: 10 }])}>Add access level</Button></div>
      </fieldset>
      {save.error ? <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">{describeError(save.error)}</p> : null}
      {save.isSuccess ? <p role="status">Saved.</p> : null}
      <div><Button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : r.id ? "Save changes" : "Create resource"}</Button></div>
    </form>
  );
}
