"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useEffectEvent, useId, useMemo, useRef, useState } from "react";
import { describeError } from "@/app/_components/errors";
import { AccessAccount, DateTime, formatDuration, TierBadge } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { Badge, Button, Card, cx, EmptyState } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import { INBOX_REFRESH_MS } from "./refresh";

const inputClass = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900";

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/**
 * The approver's worklist. New requests arrive by polling (every 5 s); j/k move, a approves, d denies
 * (a denial needs a comment the requester will read). A request someone else just decided leaves the
 * list and shows below who handled it.
 */
export function InboxList({ filters, focusRequestId }: { filters: { q?: string; tier?: number }; focusRequestId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const inboxQuery = trpc.requests.inbox.queryOptions({ tab: "pending", ...filters });
  const inbox = useQuery({ ...inboxQuery, refetchInterval: INBOX_REFRESH_MS });
  const pending = useMemo(() => inbox.data?.pending ?? [], [inbox.data]);
  const [selectedId, setSelectedId] = useState<string | null>(focusRequestId ?? null);
  // Never a silent fallback: a, d and the buttons act on the request the approver chose and is reading.
  const selected = pending.find((r) => r.id === selectedId) ?? null;
  const [gone, setGone] = useState<{ id: string; label: string | null } | null>(null);
  const [comment, setComment] = useState("");
  const [shortenTo, setShortenTo] = useState<number | "">("");
  const [notice, setNotice] = useState<string | null>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const ids = { comment: useId(), shorten: useId(), q: useId(), tier: useId() };

  // The first load selects the most urgent request (or the one a link opened). Later, a selected request
  // that leaves the list (someone else decided it, it expired) is reported and nothing is selected in its
  // place, so a key pressed a moment later cannot act on a request the approver has not read. Adjusted
  // while rendering, from the list before and after (React's pattern for state derived from new data).
  const [seen, setSeen] = useState<typeof inbox.data>(undefined);
  if (inbox.data && inbox.data !== seen) {
    setSeen(inbox.data);
    const now = inbox.data.pending;
    if (!seen) {
      if (focusRequestId && !now.some((r) => r.id === focusRequestId)) {
        setGone({ id: focusRequestId, label: null });
        setSelectedId(null);
      } else if (!focusRequestId) {
        setSelectedId(now[0]?.id ?? null);
      }
    } else if (selectedId && !now.some((r) => r.id === selectedId)) {
      const last = seen.pending.find((r) => r.id === selectedId);
      setGone({ id: selectedId, label: last ? `${last.requester.name}'s request for ${last.accessLevel.name} on ${last.resource.name}` : null });
      setSelectedId(null);
    }
  }

  function select(id: string) {
    setSelectedId(id);
    setGone(null);
    setComment("");
    setShortenTo("");
  }

  const decide = useMutation(
    trpc.requests.decide.mutationOptions({
      onSuccess: (result, variables) => {
        // My own decision moves on to the next request, as a worklist should.
        const index = pending.findIndex((r) => r.id === variables.requestId);
        const next = pending[index + 1] ?? pending[index - 1] ?? null;
        setSelectedId(next?.id ?? null);
        setGone(null);
        setNotice(
          result.status === "APPROVED"
            ? "Approved: the grant is being provisioned."
            : result.status === "DENIED"
              ? "Denied: the requester sees your comment."
              : `Your ${variables.decision === "APPROVE" ? "approval" : "decision"} is recorded; ${"remaining" in result ? `${result.remaining} more approval${result.remaining === 1 ? "" : "s"} needed` : "waiting for others"}.`,
        );
        setComment("");
        setShortenTo("");
        void queryClient.invalidateQueries({ queryKey: inboxQuery.queryKey });
      },
      onError: () => void queryClient.invalidateQueries({ queryKey: inboxQuery.queryKey }),
    }),
  );

  function submit(decision: "APPROVE" | "DENY") {
    if (!selected || decide.isPending) return;
    if (decision === "DENY" && comment.trim().length < 3) {
      setNotice("Add a comment to deny: the requester reads it.");
      commentRef.current?.focus();
      return;
    }
    setNotice(null);
    decide.mutate({ requestId: selected.id, decision, comment: comment.trim() || undefined, durationMinutes: shortenTo === "" ? undefined : shortenTo });
  }

  // Keyboard: j/k to move, a to approve, d to deny — never while typing.
  const submitFromKeyboard = useEffectEvent((decision: "APPROVE" | "DENY") => submit(decision));
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target)) return;
      const index = pending.findIndex((r) => r.id === selected?.id);
      if (event.key === "j" || event.key === "k") {
        event.preventDefault();
        const next = pending[Math.min(pending.length - 1, Math.max(0, index + (event.key === "j" ? 1 : -1)))];
        if (next) {
          select(next.id);
          document.getElementById(`inbox-item-${next.id}`)?.focus();
        }
      } else if (event.key === "a") {
        event.preventDefault();
        submitFromKeyboard("APPROVE");
      } else if (event.key === "d") {
        event.preventDefault();
        submitFromKeyboard("DENY");
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [pending, selected?.id]);

  return (
    <div className="grid gap-4">
      <form role="search" action="/inbox" className="flex flex-wrap items-end gap-2">
        <input type="hidden" name="tab" value="pending" />
        <div className="grow">
          <label htmlFor={ids.q} className="mb-1 block text-sm font-medium">Search</label>
          <input id={ids.q} name="q" defaultValue={filters.q ?? ""} placeholder="Requester, resource, ticket or justification" className={inputClass} />
        </div>
        <div>
          <label htmlFor={ids.tier} className="mb-1 block text-sm font-medium">Tier</label>
          <select id={ids.tier} name="tier" defaultValue={filters.tier ? String(filters.tier) : ""} className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
            <option value="">Any</option>
            <option value="1">Tier 1</option>
            <option value="2">Tier 2</option>
            <option value="3">Tier 3</option>
          </select>
        </div>
        <Button type="submit" variant="secondary">Filter</Button>
        <p className="ml-auto text-xs text-slate-500 dark:text-slate-400">
          Keys: <kbd className="rounded border px-1">j</kbd>/<kbd className="rounded border px-1">k</kbd> move · <kbd className="rounded border px-1">a</kbd> approve · <kbd className="rounded border px-1">d</kbd> deny
        </p>
      </form>

      {gone ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          {gone.label ?? "The request you opened"} is no longer waiting for your decision
          {handledNote(inbox.data?.handled.find((h) => h.id === gone.id))}.{" "}
          <Link href={`/access/requests/${gone.id}`} className="underline">Open it</Link>
          {pending.length ? " · choose another request to go on." : "."}
        </p>
      ) : null}
      {notice ? <p role="status" className="rounded-md border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900">{notice}</p> : null}
      {decide.error ? <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">{describeError(decide.error)}</p> : null}

      {inbox.isPending ? (
        <p role="status" className="text-sm text-slate-600 dark:text-slate-400">Loading your inbox…</p>
      ) : inbox.isError ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">{describeError(inbox.error)}</p>
      ) : pending.length === 0 ? (
        <EmptyState title="Nothing waiting for you">New requests routed to you appear here by themselves.</EmptyState>
      ) : (
        <div className="grid gap-4 lg:grid-cols-[22rem_minmax(0,1fr)]">
          <ul aria-label="Requests to decide" className="grid content-start gap-2">
            {pending.map((r) => (
              <li key={r.id}>
                <button
                  id={`inbox-item-${r.id}`}
                  type="button"
                  aria-current={r.id === selected?.id ? "true" : undefined}
                  onClick={() => select(r.id)}
                  className={cx("w-full rounded-md border p-3 text-left text-sm", r.id === selected?.id ? "border-brand-600 bg-brand-50 dark:bg-slate-800" : "border-slate-200 bg-white hover:border-slate-400 dark:border-slate-800 dark:bg-slate-900")}
                >
                  <span className="flex items-center justify-between gap-2">
                    <span className="font-medium">{r.requester.name}</span>
                    <span className={cx("text-xs tabular-nums", r.riskScore >= 60 ? "text-red-700 dark:text-red-300" : "text-slate-600 dark:text-slate-300")}>risk {r.riskScore}</span>
                  </span>
                  <span className="block">{r.accessLevel.name} on {r.resource.name} <TierBadge tier={r.resource.tier} /></span>
                  <span className="block text-xs text-slate-600 dark:text-slate-300">{formatDuration(r.durationMinutes)} · due <DateTime value={r.slaDueAt} /></span>
                </button>
              </li>
            ))}
          </ul>
          {!selected ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">Choose a request to read it and decide.</p>
          ) : (
            <Card title={`${selected.requester.name} asks ${selected.kind === "EXTENSION" ? "to extend" : "for"} ${selected.accessLevel.name} on ${selected.resource.name}`}>
              <div className="grid gap-4 text-sm">
                <dl className="grid grid-cols-[8rem_minmax(0,1fr)] gap-y-1.5 wrap-anywhere">
                  <dt className="text-slate-500 dark:text-slate-400">Who</dt>
                  <dd>
                    {selected.requester.name} · {selected.requester.title ?? "—"}
                    {selected.requester.team ? ` · ${selected.requester.team}` : ""}
                    {selected.requester.kind === "MACHINE" ? <Badge tone="info">machine</Badge> : null}
                    {selected.requester.onCall ? <span className="ml-1"><Badge tone="good">on call ({selected.requester.onCall})</Badge></span> : null}
                  </dd>
                  <dt className="text-slate-500 dark:text-slate-400">Account</dt>
                  <dd>
                    <AccessAccount login={selected.accessLevel.login} requesterName={selected.requester.name} />
                  </dd>
                  <dt className="text-slate-500 dark:text-slate-400">Why</dt>
                  <dd className="whitespace-pre-wrap break-words">{selected.justification}{selected.ticketRef ? <span className="ml-2 text-slate-500 dark:text-slate-400">[{selected.ticketRef}]</span> : null}</dd>
                  <dt className="text-slate-500 dark:text-slate-400">For how long</dt>
                  <dd>{formatDuration(selected.durationMinutes)} from <DateTime value={selected.startsAt} /></dd>
                  <dt className="text-slate-500 dark:text-slate-400">Stage</dt>
                  <dd>{selected.stage ?? "Approval"}: {selected.required} approval{selected.required === 1 ? "" : "s"} needed{selected.approvalsSoFar.length ? ` — approved so far by ${selected.approvalsSoFar.join(", ")}` : ""}</dd>
                  <dt className="text-slate-500 dark:text-slate-400">Policy</dt>
                  <dd>
                    <ul>
                      {selected.reasons.map((reason) => (
                        <li key={reason}>{reason}</li>
                      ))}
                    </ul>
                  </dd>
                  <dt className="text-slate-500 dark:text-slate-400">Decide by</dt>
                  <dd>
                    <DateTime value={selected.slaDueAt} />
                    {selected.expiresAt ? <> · expires undecided <DateTime value={selected.expiresAt} /></> : null}
                  </dd>
                  <dt className="text-slate-500 dark:text-slate-400">History</dt>
                  <dd>{selected.history.grants === 0 ? "First time on this resource" : <>{selected.history.grants} earlier grant{selected.history.grants === 1 ? "" : "s"} on this resource, last <DateTime value={selected.history.lastGrantAt} /></>}</dd>
                  <dt className="text-slate-500 dark:text-slate-400">Risk {selected.riskScore}</dt>
                  <dd>
                    <ul className="text-xs text-slate-600 dark:text-slate-400">
                      {selected.riskReasons.map((r) => (
                        <li key={r.factor}>{r.points > 0 ? "+" : ""}{r.points} {r.detail}</li>
                      ))}
                    </ul>
                  </dd>
                </dl>
                <div>
                  <label htmlFor={ids.comment} className="mb-1 block font-medium">Comment <span className="font-normal text-slate-500 dark:text-slate-400">(required to deny)</span></label>
                  <textarea id={ids.comment} ref={commentRef} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} className={inputClass} placeholder="The requester sees this" />
                </div>
                <div className="flex flex-wrap items-end gap-3">
                  <div>
                    <label htmlFor={ids.shorten} className="mb-1 block font-medium">Approve for</label>
                    <select id={ids.shorten} value={shortenTo} onChange={(e) => setShortenTo(e.target.value === "" ? "" : Number(e.target.value))} className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
                      <option value="">{formatDuration(selected.durationMinutes)} (as asked)</option>
                      {[15, 30, 60, 120, 240].filter((m) => m < selected.durationMinutes).map((m) => (
                        <option key={m} value={m}>{formatDuration(m)} (shorter)</option>
                      ))}
                    </select>
                  </div>
                  <Button onClick={() => submit("APPROVE")} disabled={decide.isPending}>Approve</Button>
                  <Button variant="danger" onClick={() => submit("DENY")} disabled={decide.isPending}>Deny</Button>
                  <Link href={`/access/requests/${selected.id}`} className="text-sm underline">Open request</Link>
                </div>
              </div>
            </Card>
          )}
        </div>
      )}

      {inbox.data?.handled.length ? (
        <Card title="Handled by others (last 24 h)">
          <ul className="grid gap-1 text-sm">
            {inbox.data.handled.map((h) => (
              <li key={h.id} data-testid="handled-item">
                {h.requester} → {h.accessLevel} on {h.resource}: <StatusBadge status={h.status} />
                {h.decidedBy ? <> by {h.decidedBy}</> : null} <span className="text-slate-500 dark:text-slate-400"><DateTime value={h.decidedAt} /></span>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </div>
  );
}

function handledNote(handled: { status: string; decidedBy: string | null } | undefined): string {
  if (!handled) return "";
  return `: ${handled.status.toLowerCase()}${handled.decidedBy ? ` by ${handled.decidedBy}` : ""}`;
}
