"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { describeError } from "@/app/_components/errors";
import { Button, Card } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

const inputClass = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";

function Failure({ error }: { error: unknown }) {
  return error ? <p role="alert" className="text-sm text-red-700 dark:text-red-300">{describeError(error)}</p> : null;
}

export function NewGroupForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { name: useId(), slug: useId(), kind: useId(), description: useId(), idp: useId() };
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [kind, setKind] = useState<"TEAM" | "APPROVERS">("APPROVERS");
  const [description, setDescription] = useState("");
  const [idpGroup, setIdpGroup] = useState("");
  const create = useMutation(trpc.groups.create.mutationOptions({ onSuccess: (group) => router.push(`/admin/groups/${group.id}`) }));
  return (
    <Card title="New group" className="mb-4">
      <form
        className="grid gap-4 text-sm md:grid-cols-4"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name, slug, kind, description: description || undefined, idpGroup: idpGroup || undefined });
        }}
      >
        <div>
          <label htmlFor={ids.name} className="mb-1 block font-medium">Name</label>
          <input
            id={ids.name}
            required
            value={name}
            onChange={(e) => {
              // The slug follows the name until it is edited by hand.
              if (!slug || slug === toSlug(name)) setSlug(toSlug(e.target.value));
              setName(e.target.value);
            }}
            placeholder="Payments owners"
            className={inputClass}
          />
        </div>
        <div>
          <label htmlFor={ids.slug} className="mb-1 block font-medium">Slug</label>
          <input id={ids.slug} required value={slug} onChange={(e) => setSlug(e.target.value)} placeholder="payments-owners" className={inputClass} />
        </div>
        <div>
          <label htmlFor={ids.kind} className="mb-1 block font-medium">Kind</label>
          <select id={ids.kind} value={kind} onChange={(e) => setKind(e.target.value as "TEAM" | "APPROVERS")} className={inputClass}>
            <option value="APPROVERS">Approver group</option>
            <option value="TEAM">Team (leads, on-call)</option>
          </select>
        </div>
        <div>
          <label htmlFor={ids.description} className="mb-1 block font-medium">Description <span className="font-normal text-slate-500 dark:text-slate-400">(optional)</span></label>
          <input id={ids.description} value={description} onChange={(e) => setDescription(e.target.value)} className={inputClass} />
        </div>
        <div className="md:col-span-2">
          <label htmlFor={ids.idp} className="mb-1 block font-medium">Identity-provider group <span className="font-normal text-slate-500 dark:text-slate-400">(optional)</span></label>
          <input id={ids.idp} value={idpGroup} onChange={(e) => setIdpGroup(e.target.value)} placeholder="e.g. payments-owners" aria-describedby={`${ids.idp}-hint`} className={inputClass} />
          <p id={`${ids.idp}-hint`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">Members are then the people whose single sign-on groups name it, updated at each sign-in.</p>
        </div>
        <div className="flex flex-wrap items-center gap-3 md:col-span-4">
          <Button type="submit" disabled={create.isPending}>{create.isPending ? "Creating…" : "Create group"}</Button>
          <Failure error={create.error} />
        </div>
      </form>
    </Card>
  );
}

function toSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48);
}

export function AddMemberForm({ groupId, candidates, team }: { groupId: string; candidates: { id: string; name: string }[]; team: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { person: useId(), lead: useId() };
  const [identityId, setIdentityId] = useState("");
  const [isLead, setIsLead] = useState(false);
  const add = useMutation(
    trpc.groups.addMember.mutationOptions({
      onSuccess: () => {
        setIdentityId("");
        setIsLead(false);
        router.refresh();
      },
    }),
  );
  return (
    <form
      className="mb-4 flex flex-wrap items-end gap-3 text-sm"
      onSubmit={(event) => {
        event.preventDefault();
        add.mutate({ groupId, identityId, isLead: team ? isLead : undefined });
      }}
    >
      <div className="min-w-64">
        <label htmlFor={ids.person} className="mb-1 block font-medium">Add a member</label>
        <select id={ids.person} required value={identityId} onChange={(e) => setIdentityId(e.target.value)} className={inputClass}>
          <option value="">Pick a person…</option>
          {candidates.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
      </div>
      {team ? (
        <label htmlFor={ids.lead} className="flex items-center gap-2 pb-2">
          <input id={ids.lead} type="checkbox" checked={isLead} onChange={(e) => setIsLead(e.target.checked)} /> Team lead
        </label>
      ) : null}
      <Button type="submit" disabled={add.isPending || !identityId}>{add.isPending ? "Adding…" : "Add"}</Button>
      <Failure error={add.error} />
    </form>
  );
}

export function MemberActions({ groupId, identityId, name, isLead, team, removable }: { groupId: string; identityId: string; name: string; isLead: boolean; team: boolean; removable: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const refresh = { onSuccess: () => router.refresh() };
  const lead = useMutation(trpc.groups.setLead.mutationOptions(refresh));
  const remove = useMutation(trpc.groups.removeMember.mutationOptions(refresh));
  return (
    <span className="inline-flex flex-wrap items-center justify-end gap-2">
      {team ? (
        <Button variant="secondary" disabled={lead.isPending} onClick={() => lead.mutate({ groupId, identityId, isLead: !isLead })} aria-label={`${isLead ? "Remove" : "Make"} ${name} ${isLead ? "as lead" : "a lead"}`}>
          {isLead ? "Not lead" : "Make lead"}
        </Button>
      ) : null}
      {removable ? <Button variant="secondary" disabled={remove.isPending} onClick={() => remove.mutate({ groupId, identityId })} aria-label={`Remove ${name} from the group`}>Remove</Button> : null}
      <Failure error={lead.error ?? remove.error} />
    </span>
  );
}

/** Local date-time input value → ISO instant with the browser's offset (the server refuses a time without a zone). */
function toInstant(local: string): string {
  return local ? new Date(local).toISOString() : "";
}

export function AddShiftForm({ groupId, members }: { groupId: string; members: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = { person: useId(), from: useId(), until: useId() };
  const [identityId, setIdentityId] = useState("");
  const [from, setFrom] = useState("");
  const [until, setUntil] = useState("");
  const add = useMutation(trpc.groups.addShift.mutationOptions({ onSuccess: () => router.refresh() }));
  if (members.length === 0) return <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">Add members first: only members go on call for a group.</p>;
  return (
    <form
      className="mb-4 flex flex-wrap items-end gap-3 text-sm"
      onSubmit={(event) => {
        event.preventDefault();
        add.mutate({ groupId, identityId, startsAt: toInstant(from), endsAt: toInstant(until) });
      }}
    >
      <div className="min-w-56">
        <label htmlFor={ids.person} className="mb-1 block font-medium">Who</label>
        <select id={ids.person} required value={identityId} onChange={(e) => setIdentityId(e.target.value)} className={inputClass}>
          <option value="">Pick a member…</option>
          {members.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
        </select>
      </div>
      <div>
        <label htmlFor={ids.from} className="mb-1 block font-medium">From <span className="font-normal text-slate-500 dark:text-slate-400">(your time)</span></label>
        <input id={ids.from} type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} className={inputClass} />
      </div>
      <div>
        <label htmlFor={ids.until} className="mb-1 block font-medium">Until</label>
        <input id={ids.until} type="datetime-local" required value={until} onChange={(e) => setUntil(e.target.value)} className={inputClass} />
      </div>
      <Button type="submit" disabled={add.isPending}>{add.isPending ? "Adding…" : "Add shift"}</Button>
      <Failure error={add.error} />
    </form>
  );
}

export function RemoveShiftButton({ shiftId, label }: { shiftId: string; label: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const remove = useMutation(trpc.groups.removeShift.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <span className="inline-flex items-center gap-2">
      <Button variant="secondary" disabled={remove.isPending} onClick={() => remove.mutate({ shiftId })} aria-label={`Remove ${label}`}>Remove</Button>
      <Failure error={remove.error} />
    </span>
  );
}
