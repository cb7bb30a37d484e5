import Link from "next/link";
import { cx } from "@/app/_components/ui";
import { datePresets, ledgerHref } from "@/app/(portal)/ledger/ledger-url";

export interface FilterOptions {
  people: { id: string; name: string; email: string | null; kind: string }[];
  resources: { id: string; name: string }[];
  systemActors: string[];
  actionGroups: { label: string; value: string; actions: { value: string; label: string }[] }[];
}

const field = "w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";
const label = "mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400";

/**
 * The search form: a plain GET form, so the filters land in the URL (shareable, back-button friendly)
 * and it works from the keyboard with no script at all. Submitting starts again at the first page.
 */
export function LedgerFilters({ params, options }: { params: URLSearchParams; options: FilterOptions }) {
  const value = (key: string) => params.get(key) ?? "";
  const people = options.people.filter((p) => p.kind === "HUMAN");
  const machines = options.people.filter((p) => p.kind !== "HUMAN");
  const presets = datePresets();
  return (
    <form method="get" action="/ledger" role="search" aria-label="Search the ledger" className="grid gap-3">
      <div className="grid gap-3 md:grid-cols-[minmax(0,2fr)_repeat(2,minmax(0,1fr))]">
        <div>
          <label htmlFor="ledger-q" className={label}>Search text</label>
          <input id="ledger-q" name="q" type="search" defaultValue={value("q")} maxLength={500} className={field} placeholder="Names, justifications, comments, tickets…" autoComplete="off" />
        </div>
        <div>
          <label htmlFor="ledger-from" className={label}>From (UTC)</label>
          <input id="ledger-from" name="from" type="date" defaultValue={value("from").slice(0, 10)} className={field} />
        </div>
        <div>
          <label htmlFor="ledger-to" className={label}>To (UTC, inclusive)</label>
          <input id="ledger-to" name="to" type="date" defaultValue={value("to").slice(0, 10)} className={field} />
        </div>
      </div>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
        <div>
          <label htmlFor="ledger-person" className={label}>Person involved</label>
          <select id="ledger-person" name="person" defaultValue={value("person")} className={field}>
            <option value="">Anyone</option>
            {people.map((p) => (
              <option key={p.id} value={p.id}>{p.name}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="ledger-resource" className={label}>Resource</label>
          <select id="ledger-resource" name="resource" defaultValue={value("resource")} className={field}>
            <option value="">Any resource</option>
            {options.resources.map((r) => (
              <option key={r.id} value={r.id}>{r.name}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="ledger-action" className={label}>Action</label>
          <select id="ledger-action" name="action" defaultValue={value("action")} className={field}>
            <option value="">Any action</option>
            {options.actionGroups.map((group) => (
              <optgroup key={group.value} label={group.label}>
                {group.actions.length > 1 ? <option value={group.value}>All {group.label.toLowerCase()}</option> : null}
                {group.actions.map((a) => (
                  <option key={a.value} value={a.value}>{a.label}</option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="ledger-outcome" className={label}>Outcome</label>
          <select id="ledger-outcome" name="outcome" defaultValue={value("outcome")} className={field}>
            <option value="">Any outcome</option>
            <option value="success">Success</option>
            <option value="denied">Denied</option>
            <option value="failure">Failure</option>
          </select>
        </div>
        <div>
          <label htmlFor="ledger-actor" className={label}>Performed by</label>
          <select id="ledger-actor" name="actor" defaultValue={value("actor")} className={field}>
            <option value="">Anyone or anything</option>
            <optgroup label="People">
              {people.map((p) => (
                <option key={p.id} value={p.id}>{p.name}</option>
              ))}
            </optgroup>
            {machines.length ? (
              <optgroup label="Machines">
                {machines.map((p) => (
                  <option key={p.id} value={p.id}>{p.name}</option>
                ))}
              </optgroup>
            ) : null}
            {options.systemActors.length ? (
              <optgroup label="Keycard jobs">
                {options.systemActors.map((job) => (
                  <option key={job} value={job}>{job}</option>
                ))}
              </optgroup>
            ) : null}
          </select>
        </div>
      </div>
      {params.get("request") ? <input type="hidden" name="request" value={value("request")} /> : null}
      {params.get("grant") ? <input type="hidden" name="grant" value={value("grant")} /> : null}
      {params.get("limit") ? <input type="hidden" name="limit" value={value("limit")} /> : null}
      <div className="flex flex-wrap items-center gap-2">
        <button type="submit" className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700">Search</button>
        <Link href="/ledger" className="rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">Clear</Link>
        <label htmlFor="ledger-order" className="ml-2 text-xs text-slate-600 dark:text-slate-400">Order</label>
        <select id="ledger-order" name="order" defaultValue={value("order") || "desc"} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900">
          <option value="desc">Newest first</option>
          <option value="asc">Oldest first</option>
        </select>
        <span className="ml-auto flex flex-wrap items-center gap-1 text-xs" aria-label="Quick time ranges">
          <span className="text-slate-500 dark:text-slate-400">Range:</span>
          {presets.map((preset) => {
            const active = value("from") === preset.from && value("to") === preset.to;
            return (
              <Link
                key={preset.label}
                href={ledgerHref(params, { from: preset.from, to: preset.to, cursor: undefined, event: undefined })}
                aria-current={active ? "true" : undefined}
                className={cx("rounded px-2 py-1 ring-1 ring-inset", active ? "bg-brand-600 text-white ring-brand-600" : "text-slate-700 ring-slate-300 hover:bg-slate-100 dark:text-slate-300 dark:ring-slate-700 dark:hover:bg-slate-800")}
              >
                {preset.label}
              </Link>
            );
          })}
        </span>
      </div>
    </form>
  );
}
