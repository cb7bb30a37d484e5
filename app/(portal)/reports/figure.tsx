import Link from "next/link";
import type { ReactNode } from "react";

/**
 * One dashboard figure: a label, the value, and the link to the ledger search that lists the events it
 * counts ("the evidence behind the number").
 */
export function Figure({ label, value, href, linkText = "View in ledger", hint, testId }: { label: string; value: ReactNode; href?: string; linkText?: string; hint?: ReactNode; testId: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums" data-testid={testId}>{value}</dd>
      {hint ? <dd className="mt-1 text-xs text-slate-600 dark:text-slate-400">{hint}</dd> : null}
      {href ? (
        <dd className="mt-1 text-xs">
          <Link href={href} className="text-brand-700 underline hover:no-underline dark:text-brand-100" data-testid={`${testId}-link`}>
            {linkText}<span className="sr-only"> ({label})</span>
          </Link>
        </dd>
      ) : null}
    </div>
  );
}
