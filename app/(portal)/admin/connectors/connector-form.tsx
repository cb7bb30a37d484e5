"use client";

import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { describeError } from "@/app/_components/errors";
import { Button, ButtonLink } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import type { RouterOutputs } from "@/app/_trpc/types";
import { connectorKindOptions, secretFields, settingsFields, type ConnectorKindValue, type FieldSpec, type FieldValue } from "@/app/(portal)/admin/connectors/fields";

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm aria-[invalid=true]:border-red-600 dark:border-slate-700 dark:bg-slate-950";

type Values = Record<string, FieldValue>;
type TestReport = RouterOutputs["connectors"]["testSettings"];

/** The field a domain VALIDATION error names (`settings.user`, `secret.password`), if any. */
function badField(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const details = (error.data as { details?: { field?: unknown } | null } | undefined)?.details;
  return typeof details?.field === "string" ? details.field : null;
}

function defaults(kind: ConnectorKindValue): Values {
  return Object.fromEntries(settingsFields[kind].map((f) => [f.key, f.defaultValue ?? (f.type === "checkbox" ? false : "")]));
}

export interface ConnectorFormProps {
  connectorId?: string;
  initial?: { name: string; kind: ConnectorKindValue; settings: Values; hasSecret: boolean };
}

/**
 * Create or edit a connector. "Test connection" tries the values as typed (before saving); "Save" stores
 * them. The secret is write-only: an edit shows that one is set and keeps it unless a new one is typed.
 */
export function ConnectorForm({ connectorId, initial }: ConnectorFormProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const id = useId();
  const [name, setName] = useState(initial?.name ?? "");
  const [kind, setKind] = useState<ConnectorKindValue>(initial?.kind ?? "POSTGRES");
  const [settings, setSettings] = useState<Values>({ ...defaults(initial?.kind ?? "POSTGRES"), ...(initial?.settings ?? {}) });
  const [secret, setSecret] = useState<Values>({});
  const [report, setReport] = useState<TestReport | null>(null);

  const test = useMutation(trpc.connectors.testSettings.mutationOptions({ onSuccess: setReport, onMutate: () => setReport(null) }));
  const create = useMutation(trpc.connectors.create.mutationOptions({ onSuccess: () => { router.push("/admin/connectors"); router.refresh(); } }));
  const update = useMutation(trpc.connectors.update.mutationOptions({ onSuccess: () => { router.push("/admin/connectors"); router.refresh(); } }));
  const save = connectorId ? update : create;
  const error = test.error ?? save.error;
  const field = badField(error);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    test.reset();
    if (connectorId) update.mutate({ connectorId, name, settings, secret });
    else create.mutate({ name, kind, settings, secret });
  };

  const input = (spec: FieldSpec, group: "settings" | "secret") => {
    const values = group === "settings" ? settings : secret;
    const set = group === "settings" ? setSettings : setSecret;
    const path = `${group}.${spec.key}`;
    const inputId = `${id}-${path}`;
    const invalid = field === path;
    const describedBy = [spec.hint ? `${inputId}-hint` : null, invalid ? `${inputId}-error` : null].filter(Boolean).join(" ") || undefined;
    const value = values[spec.key];
    const common = { id: inputId, "aria-invalid": invalid, "aria-describedby": describedBy };
    let control;
    if (spec.type === "select") {
      const index = Math.max(0, spec.options?.findIndex((o) => o.value === value) ?? 0);
      control = (
        <select {...common} className={inputClass} value={index} onChange={(e) => set((v) => ({ ...v, [spec.key]: spec.options?.[Number(e.target.value)]?.value ?? null }))}>
          {spec.options?.map((o, i) => <option key={o.label} value={i}>{o.label}</option>)}
        </select>
      );
    } else if (spec.type === "checkbox") {
      control = <input {...common} type="checkbox" className="mt-2 h-4 w-4" checked={value === true} onChange={(e) => set((v) => ({ ...v, [spec.key]: e.target.checked }))} />;
    } else {
      control = (
        <input
          {...common}
          type={spec.type}
          className={inputClass}
          required={spec.required}
          autoComplete={spec.type === "password" ? "new-password" : "off"}
          placeholder={group === "secret" && initial?.hasSecret ? "set — leave empty to keep it" : spec.placeholder}
          value={value === null || value === undefined ? "" : String(value)}
          onChange={(e) => set((v) => ({ ...v, [spec.key]: spec.type === "number" ? (e.target.value === "" ? null : e.target.valueAsNumber) : e.target.value }))}
        />
      );
    }
    return (
      <div key={path}>
        <label htmlFor={inputId} className="block text-sm font-medium">
          {spec.label}
          {spec.required || spec.defaultValue !== undefined || group === "secret" ? null : <span className="font-normal text-slate-600 dark:text-slate-400"> (optional)</span>}
        </label>
        {control}
        {spec.hint ? <p id={`${inputId}-hint`} className="mt-1 text-xs text-slate-600 dark:text-slate-400">{spec.hint}</p> : null}
        {invalid ? <p id={`${inputId}-error`} className="mt-1 text-xs font-medium text-red-700 dark:text-red-300">{describeError(error)}</p> : null}
      </div>
    );
  };

  return (
    <form onSubmit={onSubmit} className="grid gap-6" aria-describedby={error && !field ? `${id}-error` : undefined}>
      <div className="grid gap-4 md:grid-cols-2">
        <div>
          <label htmlFor={`${id}-name`} className="block text-sm font-medium">Name</label>
          <input id={`${id}-name`} className={inputClass} required minLength={3} maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor={`${id}-kind`} className="block text-sm font-medium">Target system</label>
          <select
            id={`${id}-kind`}
            className={inputClass}
            value={kind}
            disabled={Boolean(connectorId)}
            aria-describedby={connectorId ? `${id}-kind-hint` : undefined}
            onChange={(e) => {
              const next = e.target.value as ConnectorKindValue;
              setKind(next);
              setSettings(defaults(next));
              setSecret({});
              setReport(null);
            }}
          >
            {connectorKindOptions.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </select>
          {connectorId ? <p id={`${id}-kind-hint`} className="mt-1 text-xs text-slate-600 dark:text-slate-400">The kind of a saved connector cannot change.</p> : null}
        </div>
      </div>

      <fieldset className="grid gap-4 md:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold">Settings</legend>
        {settingsFields[kind].map((spec) => input(spec, "settings"))}
      </fieldset>

      <fieldset className="grid gap-4 md:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold">Secret <span className="font-normal text-slate-600 dark:text-slate-400">— stored encrypted, never shown again</span></legend>
        {secretFields[kind].map((spec) => input(spec, "secret"))}
      </fieldset>

      {error && !field ? <p id={`${id}-error`} role="alert" className="text-sm text-red-700 dark:text-red-300">{describeError(error)}</p> : null}
      {field ? <p role="alert" className="sr-only">{describeError(error)}</p> : null}
      {report ? <TestResult report={report} /> : null}

      <div className="flex flex-wrap gap-2">
        <Button type="button" variant="secondary" disabled={test.isPending} onClick={() => { save.reset(); test.mutate({ kind, settings, secret, connectorId }); }}>
          {test.isPending ? "Testing…" : "Test connection"}
        </Button>
        <Button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : connectorId ? "Save changes" : "Create connector"}</Button>
        <ButtonLink variant="secondary" href="/admin/connectors">Cancel</ButtonLink>
      </div>
    </form>
  );
}

export function TestResult({ report }: { report: TestReport }) {
  return (
    <div role="status" data-testid="connection-result" className="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700">
      {report.connection.ok ? (
        <p><span className="font-semibold text-emerald-800 dark:text-emerald-300">Connected.</span> {report.connection.details}</p>
      ) : (
        <p><span className="font-semibold text-red-700 dark:text-red-300">Connection failed:</span> {report.connection.error}</p>
      )}
      {report.levels.length ? (
        <ul className="mt-2 grid gap-1">
          {report.levels.map((l) => (
            <li key={l.accessLevelId}>
              <span className={l.ok ? "text-emerald-800 dark:text-emerald-300" : "font-medium text-red-700 dark:text-red-300"}>{l.ok ? "✓" : "✗"}</span> {l.resource} · {l.level}: {l.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
