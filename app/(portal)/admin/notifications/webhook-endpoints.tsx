"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";

/** The form, and after creating: the signing secret, shown this once. */
export function CreateWebhookEndpoint({ kinds }: { kinds: { kind: string; label: string }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const formId = useId();
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useMutation(
    trpc.notifications.webhookEndpoints.create.mutationOptions({
      onSuccess: (result, _input) => {
        setCreated({ name: result.endpoint.name, secret: result.secret });
        setCopied(false);
        router.refresh();
      },
    }),
  );
  const fieldErrors = (create.error?.data as { fieldErrors?: Record<string, string[] | undefined> } | undefined)?.fieldErrors ?? null;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate(
      { name: String(form.get("name") ?? ""), url: String(form.get("url") ?? ""), kinds: form.getAll("kinds").map(String) },
      { onSuccess: () => (event.target as HTMLFormElement).reset() },
    );
  };

  return (
    <div>
      {created ? (
        <div role="status" className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          <p className="font-semibold">Signing secret for “{created.name}” — copy it now, it is not shown again.</p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code className="break-all rounded bg-white px-2 py-1 text-xs text-slate-900 dark:bg-slate-900 dark:text-slate-100">{created.secret}</code>
            <Button
              variant="secondary"
              onClick={() => {
                void navigator.clipboard?.writeText(created.secret).then(() => setCopied(true));
              }}
            >
              {copied ? "Copied" : "Copy"}
            </Button>
            <Button variant="secondary" onClick={() => setCreated(null)}>Done</Button>
          </div>
        </div>
      ) : null}
      <form onSubmit={onSubmit} aria-labelledby={`${formId}-title`} className="grid gap-3">
        <h3 id={`${formId}-title`} className="text-sm font-semibold">Add an endpoint</h3>
        <div className="grid gap-3 md:grid-cols-2">
          <label className="text-sm font-medium">
            Name
            <input name="name" required maxLength={100} placeholder="#security-alerts" className={inputClass} aria-invalid={Boolean(fieldErrors?.name)} />
            {fieldErrors?.name ? <span className="mt-1 block text-xs text-red-700 dark:text-red-300">{fieldErrors.name[0]}</span> : null}
          </label>
          <label className="text-sm font-medium">
            URL
            <input name="url" type="url" required placeholder="https://hooks.slack.com/services/…" className={inputClass} aria-invalid={Boolean(fieldErrors?.url)} />
            {fieldErrors?.url ? <span className="mt-1 block text-xs text-red-700 dark:text-red-300">{fieldErrors.url[0]}</span> : null}
          </label>
        </div>
        <fieldset>
          <legend className="text-sm font-medium">Kinds <span className="font-normal text-slate-600 dark:text-slate-400">(none ticked = every kind)</span></legend>
          <div className="mt-1 grid gap-x-4 gap-y-1 sm:grid-cols-2 lg:grid-cols-3">
            {kinds
              .filter((k) => k.kind !== "webhook.test" && k.kind !== "request.handled")
              .map((k) => (
                <label key={k.kind} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="kinds" value={k.kind} className="h-4 w-4" />
                  {k.label}
                </label>
              ))}
          </div>
        </fieldset>
        {create.isError && !fieldErrors ? <p role="alert" className="text-sm text-red-700 dark:text-red-300">{create.error.message}</p> : null}
        <div>
          <Button type="submit" disabled={create.isPending}>{create.isPending ? "Adding…" : "Add endpoint"}</Button>
        </div>
      </form>
    </div>
  );
}

export function WebhookEndpointActions({ id, name, enabled }: { id: string; name: string; enabled: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const refresh = () => router.refresh();
  const test = useMutation(trpc.notifications.webhookEndpoints.test.mutationOptions());
  const toggle = useMutation(trpc.notifications.webhookEndpoints.setEnabled.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.notifications.webhookEndpoints.remove.mutationOptions({ onSuccess: refresh }));
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex justify-end gap-2 whitespace-nowrap">
        <Button variant="secondary" disabled={test.isPending} onClick={() => test.mutate({ id })} aria-label={`Send a test to ${name}`}>
          {test.isPending ? "Sending…" : "Send test"}
        </Button>
        <Button variant="secondary" disabled={toggle.isPending} onClick={() => toggle.mutate({ id, enabled: !enabled })} aria-label={`${enabled ? "Disable" : "Enable"} ${name}`}>
          {enabled ? "Disable" : "Enable"}
        </Button>
        <Button
          variant="danger"
          disabled={remove.isPending}
          aria-label={`Delete ${name}`}
          onClick={() => {
            if (window.confirm(`Delete the webhook endpoint “${name}”? Messages still queued for it will fail.`)) remove.mutate({ id });
          }}
        >
          Delete
        </Button>
      </div>
      <p aria-live="polite" className="text-xs">
        {test.data ? (
          test.data.ok ? (
            <span className="text-emerald-700 dark:text-emerald-300">Delivered: HTTP {test.data.status} in {test.data.durationMs} ms</span>
          ) : (
            <span className="text-red-700 dark:text-red-300">Failed: {test.data.error}</span>
          )
        ) : test.isError ? (
          <span className="text-red-700 dark:text-red-300">{test.error.message}</span>
        ) : null}
      </p>
    </div>
  );
}
