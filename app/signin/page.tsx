import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Badge } from "@/app/_components/ui";
import { DemoBanner } from "@/app/_components/demo-banner";
import { KeycardMark } from "@/app/_components/keycard-mark";
import { signInAsPersona, signInWithSso } from "@/app/signin/actions";
import { api } from "@/server/trpc/server";

export const metadata: Metadata = { title: "Sign in" };

const errorMessages: Record<string, string> = {
  AccessDenied: "Access denied: this identity is disabled or not allowed to use Keycard.",
  CredentialsSignin: "That persona cannot sign in (it may have been disabled).",
  OAuthCallbackError: "Single sign-on did not complete. Try again, or ask an admin to check the identity provider.",
  Configuration: "Sign-in is misconfigured on the server. An admin can check the logs.",
  disabled: "Your identity was disabled. Ask an admin if you think this is a mistake.",
};

const roleTone = { ADMIN: "bad", AUDITOR: "info", APPROVER: "warn", REQUESTER: "neutral" } as const;

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const trpc = await api();
  const me = await trpc.me.get().catch(() => null);
  if (me && params.reason !== "disabled") redirect("/");
  const [methods, personas] = await Promise.all([trpc.auth.methods(), trpc.auth.demoPersonas()]);
  const callbackUrl = typeof params.callbackUrl === "string" ? params.callbackUrl : "/";
  const errorKey = typeof params.error === "string" ? params.error : params.reason === "disabled" ? "disabled" : null;
  const featured = personas.filter((p) => p.roles.length > 1).slice(0, 8);
  const others = personas.filter((p) => !featured.includes(p));

  return (
    <div className="min-h-screen">
      {methods.demo ? <DemoBanner /> : null}
      <main className="mx-auto max-w-3xl px-4 py-12">
        <div className="mb-8 flex items-center gap-3">
          <KeycardMark className="h-10 w-10" />
          <div>
            <h1 className="text-2xl font-semibold tracking-tight">Sign in to Keycard</h1>
            <p className="text-sm text-slate-600 dark:text-slate-400">Just-in-time access: one room, one stay, expires at checkout.</p>
          </div>
        </div>

        {errorKey ? (
          <p role="alert" className="mb-6 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
            {errorMessages[errorKey] ?? "Sign-in failed. Try again."}
          </p>
        ) : null}

        {methods.oidc ? (
          <form action={signInWithSso} className="mb-8">
            <input type="hidden" name="callbackUrl" value={callbackUrl} />
            <button type="submit" className="w-full rounded-md bg-brand-600 px-4 py-2.5 text-sm font-medium text-white hover:bg-brand-700">
              Continue with {methods.oidc.name}
            </button>
          </form>
        ) : null}

        {methods.demo ? (
          <section aria-labelledby="personas-heading">
            <h2 id="personas-heading" className="mb-1 text-sm font-semibold">Demo personas</h2>
            <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">Pick who you want to be. Each persona sees Keycard with its own roles.</p>
            <ul className="grid gap-3 sm:grid-cols-2">
              {featured.map((persona) => (
                <li key={persona.id}>
                  <form action={signInAsPersona}>
                    <input type="hidden" name="identityId" value={persona.id} />
                    <input type="hidden" name="callbackUrl" value={callbackUrl} />
                    <button
                      type="submit"
                      className="w-full rounded-lg border border-slate-200 bg-white p-4 text-left shadow-sm hover:border-brand-500 dark:border-slate-800 dark:bg-slate-900"
                    >
                      <span className="block font-medium">Sign in as {persona.name}</span>
                      <span className="block text-sm text-slate-600 dark:text-slate-400">
                        {persona.title ?? "—"}
                        {persona.team ? ` · ${persona.team}` : ""}
                      </span>
                      <span className="mt-2 flex flex-wrap gap-1">
                        {persona.roles.map((role) => (
                          <Badge key={role} tone={roleTone[role as keyof typeof roleTone] ?? "neutral"}>
                            {role.toLowerCase()}
                          </Badge>
                        ))}
                      </span>
                    </button>
                  </form>
                </li>
              ))}
            </ul>
            {others.length ? (
              <form action={signInAsPersona} className="mt-6 flex flex-wrap items-end gap-2">
                <input type="hidden" name="callbackUrl" value={callbackUrl} />
                <div className="grow">
                  <label htmlFor="persona" className="mb-1 block text-sm font-medium">
                    Or anyone else in the organisation
                  </label>
                  <select id="persona" name="identityId" className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
                    {others.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name} — {p.title ?? p.roles.join(", ").toLowerCase()}
                      </option>
                    ))}
                  </select>
                </div>
                <button type="submit" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800">
                  Sign in
                </button>
              </form>
            ) : null}
            {personas.length === 0 ? (
              <p className="text-sm text-slate-600 dark:text-slate-400">No people yet: run <code>npm run db:seed</code> to create the demo organisation.</p>
            ) : null}
          </section>
        ) : null}

        {!methods.demo && !methods.oidc ? (
          <p className="text-sm">No sign-in method is configured. Set AUTH_OIDC_ISSUER, AUTH_OIDC_CLIENT_ID and AUTH_OIDC_CLIENT_SECRET.</p>
        ) : null}
      </main>
    </div>
  );
}
