"use client";

import { Button } from "@/app/_components/ui";

export default function PortalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const forbidden = /FORBIDDEN|not allowed/i.test(error.message);
  return (
    <div role="alert" className="mx-auto max-w-xl rounded-lg border border-red-200 bg-white p-6 dark:border-red-900 dark:bg-slate-900">
      <h1 className="text-lg font-semibold">{forbidden ? "You don’t have access to this page" : "Something went wrong"}</h1>
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
        {forbidden
          ? "Your roles don’t include this area. Ask an admin if you need it."
          : "Keycard could not load this page. Nothing was changed. Try again; if it keeps happening, an admin can find the details in the server log"}
        {error.digest ? <> (reference <code>{error.digest}</code>).</> : "."}
      </p>
      <Button className="mt-4" onClick={reset}>Try again</Button>
    </div>
  );
}
