"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "@/app/_components/ui";

const items = [
  { href: "/request", label: "Request", area: "request" },
  { href: "/access", label: "My access", area: "access" },
  { href: "/inbox", label: "Inbox", area: "inbox" },
  { href: "/ledger", label: "Ledger", area: "ledger" },
  { href: "/reports", label: "Reports", area: "reports" },
  { href: "/admin", label: "Admin", area: "admin" },
] as const;

export type Areas = Record<(typeof items)[number]["area"], boolean>;

export function NavLinks({ areas }: { areas: Areas }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main">
      <ul className="flex flex-wrap gap-1">
        {items
          .filter((item) => areas[item.area])
          .map((item) => {
            const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
            return (
              <li key={item.href}>
                <Link
                  href={item.href}
                  aria-current={active ? "page" : undefined}
                  className={cx(
                    "rounded-md px-3 py-1.5 text-sm font-medium",
                    active
                      ? "bg-brand-50 text-brand-700 dark:bg-slate-800 dark:text-white"
                      : "text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white",
                  )}
                >
                  {item.label}
                </Link>
              </li>
            );
          })}
      </ul>
    </nav>
  );
}
