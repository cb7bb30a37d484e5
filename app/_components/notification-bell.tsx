"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { cx } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

const POLL_MS = 30_000;

/** "5 min ago": the bell is about what is new; the full page shows exact times. */
export function timeAgo(value: Date, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - value.getTime()) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return days === 1 ? "yesterday" : `${days} days ago`;
}

/**
 * The header's bell: unread count (polled every 30 s, paused while the tab is hidden) and a popover with
 * the latest notifications. A disclosure, not a menu: Tab moves through it, Escape closes it and returns
 * focus to the bell, ↑/↓ move between notifications.
 */
export function NotificationBell() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const headingId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const wrapperRef = useRef<HTMLDivElement>(null);

  const unread = useQuery(trpc.notifications.unreadCount.queryOptions(undefined, { refetchInterval: POLL_MS, staleTime: POLL_MS / 2 }));
  const latest = useQuery(trpc.notifications.list.queryOptions({ limit: 8 }, { enabled: open }));
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.notifications.pathKey() });
  const markRead = useMutation(trpc.notifications.markRead.mutationOptions({ onSettled: invalidate }));
  const markAllRead = useMutation(
    trpc.notifications.markAllRead.mutationOptions({
      onSettled: () => {
        void invalidate();
        router.refresh();
      },
    }),
  );

  const count = unread.data ?? latest.data?.unread ?? 0;
  const label = unread.data === undefined ? "Notifications" : `Notifications, ${count} unread`;

  const close = (returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) buttonRef.current?.focus();
  };

  // Close on a click outside; move focus into the panel when it opens so screen readers land there.
  useEffect(() => {
    if (!open) return;
    panelRef.current?.focus();
    const onPointer = (event: PointerEvent) => {
      if (!wrapperRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close(true);
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const items = Array.from(panelRef.current?.querySelectorAll<HTMLElement>("[data-notification-item]") ?? []);
      if (items.length === 0) return;
      event.preventDefault();
      const index = items.indexOf(document.activeElement as HTMLElement);
      const next = event.key === "ArrowDown" ? (index + 1) % items.length : (index <= 0 ? items.length : index) - 1;
      items[next]?.focus();
    }
  };

  return (
    <div
      ref={wrapperRef}
      className="relative"
      onKeyDown={onKeyDown}
      onBlur={(event) => {
        // Tabbing out of the popover closes it, like any disclosure that floats over the page.
        if (open && !wrapperRef.current?.contains(event.relatedTarget as Node | null) && event.relatedTarget) setOpen(false);
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        aria-label={label}
        aria-expanded={open}
        aria-controls={panelId}
        title="Notifications"
        onClick={() => setOpen((value) => !value)}
        className="relative rounded-md p-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
      >
        <svg viewBox="0 0 20 20" className="h-5 w-5" aria-hidden="true" fill="currentColor">
          <path d="M10 2a5 5 0 00-5 5v2.6c0 .5-.2 1-.5 1.4L3.3 12.6A1 1 0 004.1 14h11.8a1 1 0 00.8-1.4L15.5 11c-.3-.4-.5-.9-.5-1.4V7a5 5 0 00-5-5zm0 16a2.5 2.5 0 01-2.4-2h4.8A2.5 2.5 0 0110 18z" />
        </svg>
        {count > 0 ? (
          <span aria-hidden="true" className="absolute -right-0.5 -top-0.5 min-w-4 rounded-full bg-red-600 px-1 text-center text-[10px] font-semibold leading-4 text-white">
            {count > 99 ? "99+" : count}
          </span>
        ) : null}
      </button>
      {/* On phones the bell may sit at the left edge: the panel then spans the viewport (fixed, at its
          static position below the bell) instead of hanging off-screen. */}
      <div
        ref={panelRef}
        id={panelId}
        role="region"
        aria-labelledby={headingId}
        tabIndex={-1}
        hidden={!open}
        className="fixed inset-x-2 z-40 mt-2 rounded-lg border sm:absolute sm:inset-x-auto sm:right-0 sm:w-[22rem] border-slate-200 bg-white shadow-lg focus:outline-none dark:border-slate-700 dark:bg-slate-900"
      >
        <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2 dark:border-slate-800">
          <h2 id={headingId} className="text-sm font-semibold">Notifications</h2>
          <button
            type="button"
            disabled={count === 0 || markAllRead.isPending}
            onClick={() => markAllRead.mutate()}
            className="rounded px-1.5 py-0.5 text-xs font-medium text-brand-700 hover:bg-brand-50 disabled:cursor-not-allowed disabled:text-slate-500 dark:text-slate-400 disabled:hover:bg-transparent dark:text-brand-100 dark:hover:bg-slate-800 dark:disabled:text-slate-400"
          >
            Mark all read
          </button>
        </div>
        {open ? (
          latest.isPending ? (
            <p className="px-3 py-6 text-center text-sm text-slate-600 dark:text-slate-400">Loading…</p>
          ) : latest.isError ? (
            <p role="alert" className="px-3 py-6 text-center text-sm text-red-700 dark:text-red-300">Could not load notifications.</p>
          ) : latest.data.items.length === 0 ? (
            <p className="px-3 py-6 text-center text-sm text-slate-600 dark:text-slate-400">Nothing yet. Decisions, access changes and alerts will appear here.</p>
          ) : (
            <ul className="max-h-96 divide-y divide-slate-100 overflow-y-auto dark:divide-slate-800">
              {latest.data.items.map((item) => {
                const unreadItem = !item.readAt;
                const content = (
                  <>
                    <span className="flex items-start gap-2">
                      <span aria-hidden="true" className={cx("mt-1.5 h-2 w-2 shrink-0 rounded-full", unreadItem ? "bg-brand-600" : "bg-transparent")} />
                      <span className="min-w-0">
                        <span className={cx("block text-sm", unreadItem ? "font-semibold" : "font-normal")}>
                          {unreadItem ? <span className="sr-only">Unread: </span> : null}
                          {item.title}
                        </span>
                        <span className="mt-0.5 line-clamp-2 text-xs text-slate-600 dark:text-slate-400">{item.body}</span>
                        <time dateTime={item.createdAt.toISOString()} title={item.createdAt.toISOString()} className="mt-0.5 block text-xs text-slate-500 dark:text-slate-400">
                          {timeAgo(item.createdAt)}
                        </time>
                      </span>
                    </span>
                  </>
                );
                // An inset ring: the list scrolls, and an outline outside the item would be clipped.
                const itemClass =
                  "block w-full px-3 py-2 text-left hover:bg-slate-50 focus-visible:bg-slate-50 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-brand-500 dark:hover:bg-slate-800 dark:focus-visible:bg-slate-800";
                const onActivate = () => {
                  if (unreadItem) markRead.mutate({ ids: [item.id] });
                };
                return (
                  <li key={item.id}>
                    {item.link ? (
                      <Link
                        data-notification-item
                        href={item.link}
                        className={itemClass}
                        onClick={() => {
                          onActivate();
                          setOpen(false);
                        }}
                      >
                        {content}
                      </Link>
                    ) : (
                      <button data-notification-item type="button" className={itemClass} onClick={onActivate}>
                        {content}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          )
        ) : null}
        <div className="border-t border-slate-200 px-3 py-2 text-center dark:border-slate-800">
          <Link href="/notifications" onClick={() => setOpen(false)} className="text-sm font-medium text-brand-700 hover:underline dark:text-brand-100">
            See all notifications
          </Link>
        </div>
      </div>
    </div>
  );
}
