"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { describeError } from "@/app/_components/errors";
import { Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

interface Login {
  name: string;
  source: "admin" | "email" | "name";
  shared: boolean;
}

const sourceLabel = { admin: "set by an admin", email: "from their email", name: "from its name" } as const;

/**
 * An identity's login in targets (role elevation grants roles to it). Shows where it comes from, warns
 * when another identity would share it, and lets an admin set one (or clear it back to the email's).
 */
export function TargetLoginCell({ identityId, name, login }: { identityId: string; name: string; login: Login }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(login.source === "admin" ? login.name : "");
  const ids = { input: useId(), hint: useId(), error: useId() };
  // Closing the form (saved or cancelled) gives the keyboard back to the button that opened it.
  const changeButton = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  useEffect(() => {
    if (wasOpen.current && !open) changeButton.current?.focus();
    wasOpen.current = open;
  }, [open]);
  const mutation = useMutation(
    trpc.identities.setTargetLogin.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        router.refresh();
      },
    }),
  );
  // Closing without saving forgets what was typed and any error: reopening starts from the saved login.
  function close() {
    setOpen(false);
    setValue(login.source === "admin" ? login.name : "");
    mutation.reset();
  }
  if (!open) {
    return (
      <span className="block">
        <code className="text-xs">{login.name}</code>
        <span className="block text-xs text-slate-500 dark:text-slate-400">
          {sourceLabel[login.source]} ·{" "}
          <button ref={changeButton} type="button" onClick={() => setOpen(true)} aria-label={`Change ${name}'s login in targets`} className="font-medium text-brand-700 underline underline-offset-2 dark:text-brand-100">
            change
          </button>
        </span>
        {login.shared ? <span className="block text-xs text-amber-800 dark:text-amber-300">Shared with another identity: role elevation is refused until one has its own.</span> : null}
      </span>
    );
  }
  return (
    <form
      className="flex flex-wrap items-center gap-2"
      onKeyDown={(event) => {
        if (event.key === "Escape") close();
      }}
      onSubmit={(event) => {
        event.preventDefault();
        mutation.mutate({ identityId, targetLogin: value });
      }}
    >
      <label htmlFor={ids.input} className="sr-only">{name}&apos;s login in targets</label>
      <input
        id={ids.input}
        autoFocus
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder={login.source === "admin" ? "empty: derived" : login.name}
        aria-describedby={mutation.error ? `${ids.error} ${ids.hint}` : ids.hint}
        aria-invalid={Boolean(mutation.error)}
        className="w-36 rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-xs dark:border-slate-700 dark:bg-slate-900"
      />
      <Button type="submit" disabled={mutation.isPending}>{mutation.isPending ? "Saving…" : "Save"}</Button>
      <Button type="button" variant="secondary" onClick={close}>Cancel</Button>
      <p id={ids.hint} className="w-full text-xs text-slate-600 dark:text-slate-300">Their own account in databases and caches. Leave empty to derive it from the email (or a machine&apos;s name).</p>
      {mutation.error ? <p id={ids.error} role="alert" className="w-full text-xs text-red-700 dark:text-red-300">{describeError(mutation.error)}</p> : null}
    </form>
  );
}
