import Link from "next/link";
import { DateTime } from "@/app/_components/format";
import { Badge, Card } from "@/app/_components/ui";
import { formatCount } from "@/app/(portal)/ledger/ledger-url";
import { VerifyButton } from "@/app/(portal)/ledger/verify-button";

export interface LedgerStatusView {
  events: { count: number; exact: boolean };
  head: { seq: string; occurredAt: Date } | null;
  lastCheckpoint: { seq: string; occurredAt: Date; headSeq: string; keyId: string } | null;
  lastVerified: { seq: string; occurredAt: Date; verification: { scope: string; untilSeq: string; events: number; durationMs: number } } | null;
  broken: { seq: string; occurredAt: Date; summary: string } | null;
  publicKey: { keyId: string; base64: string; pem: string; source: string } | { error: string };
}

/** Verification status, the last signed checkpoint and the public key that checks both. */
export function IntegrityPanel({ status, title = "Integrity", className }: { status: LedgerStatusView; title?: string; className?: string }) {
  const checkpoint = status.lastCheckpoint;
  const verified = status.lastVerified?.verification;
  return (
    <Card title={title} className={className} actions={<VerifyButton />}>
      <dl className="grid gap-4 text-sm md:grid-cols-3">
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">Verification</dt>
          <dd className="mt-1">
            {status.broken ? (
              <>
                <Badge tone="bad">Broken</Badge>{" "}
                <Link className="underline" href={`/ledger?event=${status.broken.seq}`}>{status.broken.summary}</Link>
              </>
            ) : verified ? (
              <>
                <Badge tone="good">Verified</Badge> through event #{Number(verified.untilSeq).toLocaleString("en")}{" "}
                <span className="text-slate-600 dark:text-slate-400">({verified.scope === "full" ? "whole chain" : "since the previous check"}, {verified.events.toLocaleString("en")} events, <DateTime value={status.lastVerified!.occurredAt} />)</span>
              </>
            ) : (
              <><Badge tone="warn">Not verified yet</Badge> <span className="text-slate-600 dark:text-slate-400">The hourly checkpoint verifies before it signs; or verify now.</span></>
            )}
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">Last signed checkpoint</dt>
          <dd className="mt-1">
            {checkpoint ? (
              <>
                <Link className="font-medium text-brand-700 underline underline-offset-2 dark:text-brand-100" href={`/ledger?event=${checkpoint.seq}`}>#{checkpoint.seq}</Link> covers events #1–#{checkpoint.headSeq}
                <span className="block text-slate-600 dark:text-slate-400"><DateTime value={checkpoint.occurredAt} /> · key {checkpoint.keyId}</span>
              </>
            ) : (
              <span className="text-slate-600 dark:text-slate-400">None yet: the first is signed within the hour, or with the first export.</span>
            )}
            <span className="block text-slate-600 dark:text-slate-400">{formatCount(status.events.count, status.events.exact)} in the ledger</span>
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">Ledger public key (Ed25519)</dt>
          <dd className="mt-1">
            {"error" in status.publicKey ? (
              <span className="text-red-700 dark:text-red-300">{status.publicKey.error}</span>
            ) : (
              <>
                <code className="break-all text-xs" data-testid="ledger-public-key">{status.publicKey.base64}</code>
                <details className="mt-1">
                  <summary className="cursor-pointer text-xs text-slate-600 dark:text-slate-400">PEM and key id {status.publicKey.keyId}{status.publicKey.source === "data-dir" ? " (generated in the data folder)" : ""}</summary>
                  <pre tabIndex={0} aria-label="Public key (PEM)" className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 text-[11px] dark:bg-slate-950">{status.publicKey.pem}</pre>
                  <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">Give it to whoever checks exports offline: <code>npm run ledger:verify-export -- FILE --public-key KEY</code>.</p>
                </details>
              </>
            )}
          </dd>
        </div>
      </dl>
    </Card>
  );
}
