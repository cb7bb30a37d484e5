"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "@/app/_components/ui";

const tabs = [
  { href: "/admin", label: "Status" },
  { href: "/admin/identities", label: "Identities" },
  { href: "/admin/groups", label: "Groups" },
  { href: "/admin/connectors", label: "Connectors" },
  { href: "/admin/resources", label: "Resources" },
  { href: "/admin/policies", label: "Policies" },
  { href: "/admin/tokens", label: "API tokens" },
  { href: "/admin/break-glass", label: "Break-glass reviews" },
  { href: "/admin/notifications", label: "Notifications" },
];

export function AdminTabs({ extra = [] }: { extra?: { href: string; label: string }[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin" className="mb-6 border-b border-slate-200 dark:border-slate-800">
      <ul className="-mb-px flex flex-wrap gap-4">
        {[...tabs, ...extra].map((tab) => {
          const active = tab.href === "/admin" ? pathname === "/admin" : pathname.startsWith(tab.href);
          return (
            <li key={tab.href}>
              <Link
                href={tab.href}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "inline-block border-b-2 px-1 pb-2 text-sm font-medium",
                  active ? "border-brand-600 text-brand-700 dark:text-white" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white",
                )}
              >
                {tab.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
