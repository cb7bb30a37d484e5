"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, type ReactNode } from "react";

/**
 * The event drawer's frame: a side panel (not modal: the table stays usable), focused when it opens so
 * that a keyboard or screen-reader user lands in it, and closed with Escape or its close link.
 */
export function DrawerFrame({ title, closeHref, children }: { title: string; closeHref: string; children: ReactNode }) {
  const router = useRouter();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    headingRef.current?.focus();
  }, [title]);
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key === "Escape") router.push(closeHref, { scroll: false });
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [closeHref, router]);
  return (
    <aside
      aria-labelledby="ledger-drawer-title"
      className="fixed inset-y-0 right-0 z-40 flex w-full max-w-xl flex-col border-l border-slate-200 bg-white shadow-xl dark:border-slate-800 dark:bg-slate-900"
    >
      <header className="flex items-center justify-between border-b border-slate-200 px-4 py-3 dark:border-slate-800">
        <h2 id="ledger-drawer-title" ref={headingRef} tabIndex={-1} className="text-base font-semibold focus:outline-none">
          {title}
        </h2>
        <Link href={closeHref} scroll={false} className="rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">
          Close <span className="sr-only">event details</span><kbd className="ml-1 text-xs text-slate-500 dark:text-slate-400">Esc</kbd>
        </Link>
      </header>
      <div className="flex-1 overflow-y-auto px-4 py-4">{children}</div>
    </aside>
  );
}
