import type { ReactNode } from "react";
import { DemoBanner } from "@/app/_components/demo-banner";
import { KeycardMark } from "@/app/_components/keycard-mark";
import { NavLinks } from "@/app/_components/nav-links";
import { NotificationBell } from "@/app/_components/notification-bell";
import { ThemeToggle } from "@/app/_components/theme-toggle";
import { TrpcProvider } from "@/app/_trpc/client";
import { signOutAction } from "@/app/(portal)/actions";
import { requireActor } from "@/server/auth/session";
import { api } from "@/server/trpc/server";
import Link from "next/link";

export default async function PortalLayout({ children }: { children: ReactNode }) {
  const actor = await requireActor();
  const trpc = await api();
  const [me, methods] = await Promise.all([trpc.me.get(), trpc.auth.methods()]);

  return (
    <TrpcProvider>
      {methods.demo ? <DemoBanner /> : null}
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm dark:focus:bg-slate-900">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
          <Link href="/" className="flex items-center gap-2 font-semibold">
            <KeycardMark className="h-7 w-7" />
            <span>Keycard</span>
          </Link>
          <NavLinks areas={me.areas} />
          <div className="ml-auto flex items-center gap-3">
            <NotificationBell />
            <ThemeToggle />
            <span className="hidden text-right text-sm leading-tight sm:block">
              <span className="block font-medium">{actor.name}</span>
              <span className="block text-xs text-slate-500 dark:text-slate-400">{actor.roles.map((r) => r.toLowerCase()).join(" · ")}</span>
            </span>
            <form action={signOutAction}>
              <button type="submit" className="rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">
                Sign out
              </button>
            </form>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </TrpcProvider>
  );
}
