"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { DateTime } from "@/app/_components/format";
import { Badge, Button, cx } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

interface Item {
  id: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
}

/** After a change, the page (server-rendered) and the bell (client cache) both show the new state. */
function useRefresh() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  return () => {
    void queryClient.invalidateQueries({ queryKey: trpc.notifications.pathKey() });
    router.refresh();
  };
}

export function MarkAllReadButton({ disabled }: { disabled: boolean }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const mutation = useMutation(trpc.notifications.markAllRead.mutationOptions({ onSuccess: refresh }));
  return (
    <Button variant="secondary" disabled={disabled || mutation.isPending} onClick={() => mutation.mutate()}>
      Mark all read
    </Button>
  );
}

export function NotificationList({ items }: { items: Item[] }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const markRead = useMutation(trpc.notifications.markRead.mutationOptions({ onSuccess: refresh }));
  return (
    <ul className="divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
      {items.map((item) => {
        const unread = !item.readAt;
        return (
          <li key={item.id} className={cx("flex flex-wrap items-start gap-x-4 gap-y-2 px-4 py-3", unread && "bg-brand-50/60 dark:bg-slate-800/40")}>
            <div className="min-w-0 flex-1">
              <h2 className={cx("text-sm", unread ? "font-semibold" : "font-medium")}>
                {unread ? (
                  <span className="mr-2 align-middle">
                    <Badge tone="info">unread</Badge>
                  </span>
                ) : null}
                {item.title}
              </h2>
              <p className="mt-1 whitespace-pre-line text-sm text-slate-700 dark:text-slate-300">{item.body}</p>
              <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
                <DateTime value={item.createdAt} />
              </p>
            </div>
            <div className="flex shrink-0 items-center gap-2">
              {item.link ? (
                <Link
                  href={item.link}
                  onClick={() => {
                    if (unread) markRead.mutate({ ids: [item.id] });
                  }}
                  className="rounded-md px-2 py-1 text-sm font-medium text-brand-700 hover:bg-brand-50 dark:text-brand-100 dark:hover:bg-slate-800"
                >
                  Open<span className="sr-only">: {item.title}</span>
                </Link>
              ) : null}
              {unread ? (
                <Button variant="secondary" disabled={markRead.isPending} onClick={() => markRead.mutate({ ids: [item.id] })}>
                  Mark read<span className="sr-only">: {item.title}</span>
                </Button>
              ) : null}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
