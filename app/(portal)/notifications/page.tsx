import type { Metadata } from "next";
import Link from "next/link";
import { ButtonLink, EmptyState, PageHeader } from "@/app/_components/ui";
import { MarkAllReadButton, NotificationList } from "@/app/(portal)/notifications/notification-list";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Notifications" };

const PAGE_SIZE = 25;

export default async function NotificationsPage({ searchParams }: { searchParams: Promise<{ cursor?: string | string[] }> }) {
  const { cursor: rawCursor } = await searchParams;
  const cursor = typeof rawCursor === "string" && /^[0-9a-f-]{36}$/i.test(rawCursor) ? rawCursor : null;
  const trpc = await api();
  const [me, page] = await Promise.all([trpc.me.get(), trpc.notifications.list({ limit: PAGE_SIZE, cursor })]);
  return (
    <>
      <PageHeader
        title="Notifications"
        description={
          <>
            Decisions on your requests, changes to your access and requests waiting for you. {page.unread ? `${page.unread} unread.` : "All read."}
            {me.areas.admin ? (
              <>
                {" "}
                <Link href="/admin/notifications" className="underline">Email and webhook delivery</Link>
              </>
            ) : null}
          </>
        }
        actions={<MarkAllReadButton disabled={page.unread === 0} />}
      />
      {page.items.length === 0 ? (
        <EmptyState title={cursor ? "No older notifications" : "No notifications yet"}>
          When a request of yours is decided, your access changes or a request waits for you, it appears here.
        </EmptyState>
      ) : (
        <NotificationList items={page.items} />
      )}
      <nav aria-label="Pages" className="mt-4 flex justify-between">
        {cursor ? <ButtonLink variant="secondary" href="/notifications">Newest</ButtonLink> : <span />}
        {page.nextCursor ? <ButtonLink variant="secondary" href={`/notifications?cursor=${page.nextCursor}`}>Older</ButtonLink> : null}
      </nav>
    </>
  );
}
