import type { Metadata } from "next";
import Link from "next/link";
import { ButtonLink, Card, EmptyState, PageHeader, Table, Td, Th } from "@/app/_components/ui";
import { Countdown } from "@/app/_components/countdown";
import { DateTime, formatDuration, TierBadge } from "@/app/_components/format";
import { StatusBadge } from "@/app/_components/status-badge";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { ReleaseButton } from "@/app/(portal)/access/grant-actions";
import { ZAccessCursor } from "@/server/domain/access/schema";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "My access" };

type Params = { requests?: string; grants?: string };

/** A page link's cursor, if it is one; anything else shows the newest page. */
const cursor = (value: string | undefined) => (ZAccessCursor.safeParse(value).success ? value : undefined);

/** A link to another page of one list, keeping the other list's page and landing on the list. */
function pageHref(params: Params, change: Params, anchor: string): string {
  const next = new URLSearchParams(Object.entries({ ...params, ...change }).filter((entry): entry is [string, string] => Boolean(entry[1])));
  const query = next.toString();
  return `${query ? `/access?${query}` : "/access"}#${anchor}`;
}

/** "Newest" and "Older" under a paged list; nothing when everything fits on one page. */
function Pager({ label, older, isFirst, newestHref }: { label: string; older: string | null; isFirst: boolean; newestHref: string }) {
  if (!older && isFirst) return null;
  return (
    <nav aria-label={`${label} pages`} className="mt-3 flex justify-end gap-2">
      {isFirst ? null : <ButtonLink href={newestHref} variant="secondary">Newest</ButtonLink>}
      {older ? <ButtonLink href={older} variant="secondary">Older {label.toLowerCase()}</ButtonLink> : null}
    </nav>
  );
}

export default async function MyAccessPage({ searchParams }: { searchParams: Promise<Params> }) {
  const raw = await searchParams;
  const params: Params = { requests: cursor(raw.requests), grants: cursor(raw.grants) };
  const trpc = await api();
  const { requests: requestPage, heldGrants: current, pastGrants, serverNow } = await trpc.access.mine({ requestsAfter: params.requests, pastGrantsAfter: params.grants });
  const requests = requestPage.items;
  const past = pastGrants.items;
  const pendingOrLive = current.length > 0 || requests.some((r) => r.status === "PENDING");
  return (
    <>
      {pendingOrLive ? <AutoRefresh seconds={5} /> : null}
      <PageHeader title="My access" description="Your grants and requests. Active access ends by itself when its window closes." actions={<><ButtonLink href="/access/tokens" variant="secondary">My API tokens</ButtonLink><ButtonLink href="/request">Request access</ButtonLink></>} />
      <div className="grid gap-6">
        <Card title="Current access">
          {current.length === 0 ? (
            <EmptyState title="You hold no access through Keycard right now" action={<ButtonLink href="/request" variant="secondary">Request access</ButtonLink>}>
              When a request is approved, the grant appears here with a countdown.
            </EmptyState>
          ) : (
            <ul className="grid gap-3">
              {current.map((g) => (
                <li key={g.id} className="flex flex-wrap items-center justify-between gap-3 rounded-md border border-slate-200 p-3 dark:border-slate-800">
                  <div>
                    <Link href={`/access/grants/${g.id}`} className="font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">
                      {g.accessLevel.name} on {g.resource.name}
                    </Link>{" "}
                    <TierBadge tier={g.resource.tier} /> <StatusBadge status={g.status} />
                    {g.breakGlass ? <span className="ml-1"><StatusBadge status="BREAK_GLASS" /></span> : null}
                    <p className="text-sm text-slate-600 dark:text-slate-400">
                      {g.status === "SCHEDULED" ? <>Starts <DateTime value={g.startsAt} /></> : g.status === "ACTIVE" ? <Countdown endsAt={g.endsAt.toISOString()} serverNow={serverNow.toISOString()} /> : g.status === "REVOKING" ? "Being removed…" : "Being set up…"}
                      {" · until "}
                      <DateTime value={g.endsAt} />
                    </p>
                  </div>
                  <div className="flex gap-2">
                    <ButtonLink href={`/access/grants/${g.id}`} variant="secondary">Details</ButtonLink>
                    {g.status !== "REVOKING" ? <ReleaseButton grantId={g.id} /> : null}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Requests" id="requests">
          {requests.length === 0 ? (
            <EmptyState title="No requests yet">Your requests and their decisions will be listed here.</EmptyState>
          ) : (
            <Table caption="My requests">
              <thead>
                <tr><Th>Resource</Th><Th>Access</Th><Th>Duration</Th><Th>Status</Th><Th>Asked</Th></tr>
              </thead>
              <tbody>
                {requests.map((r) => (
                  <tr key={r.id}>
                    <Td><Link href={`/access/requests/${r.id}`} className="mr-2 text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">{r.resource.name}</Link><TierBadge tier={r.resource.tier} /></Td>
                    <Td>{r.accessLevel.name}{r.kind !== "STANDARD" ? <span className="ml-1 text-xs text-slate-500 dark:text-slate-400">({r.kind.toLowerCase().replace("_", "-")})</span> : null}</Td>
                    <Td>{formatDuration(r.durationMinutes)}</Td>
                    <Td><StatusBadge status={r.status} /></Td>
                    <Td><DateTime value={r.createdAt} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <Pager
            label="Requests"
            isFirst={!params.requests}
            older={requestPage.next ? pageHref(params, { requests: requestPage.next }, "requests") : null}
            newestHref={pageHref(params, { requests: undefined }, "requests")}
          />
        </Card>
        {past.length || params.grants ? (
          <Card title="Past grants" id="past-grants">
            <Table caption="Past grants">
              <thead>
                <tr><Th>Resource</Th><Th>Access</Th><Th>Status</Th><Th>From</Th><Th>Ended</Th></tr>
              </thead>
              <tbody>
                {past.map((g) => (
                  <tr key={g.id}>
                    <Td><Link href={`/access/grants/${g.id}`} className="text-brand-700 underline-offset-2 hover:underline dark:text-brand-100">{g.resource.name}</Link></Td>
                    <Td>{g.accessLevel.name}</Td>
                    <Td><StatusBadge status={g.status} /></Td>
                    <Td><DateTime value={g.startsAt} /></Td>
                    <Td><DateTime value={g.revokedAt ?? g.endsAt} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <Pager
              label="Grants"
              isFirst={!params.grants}
              older={pastGrants.next ? pageHref(params, { grants: pastGrants.next }, "past-grants") : null}
              newestHref={pageHref(params, { grants: undefined }, "past-grants")}
            />
          </Card>
        ) : null}
      </div>
    </>
  );
}
