import type { DriftRow, PolicyVersionRow, PopulationRow } from "@/server/domain/evidence/collect";

/**
 * The evidence pack's headline figures and its human-readable summary (summary.html): what an external
 * auditor reads first, with the control objectives each file serves as evidence for.
 */

export interface EvidenceFigures {
  grants: number;
  people: number;
  resources: number;
  approvedByPeople: number;
  approvedByPolicy: number;
  breakGlass: number;
  breakGlassReviewed: number;
  breakGlassOpen: number;
  revoked: number;
  stillOpenAtPeriodEnd: number;
  revocationLagMedianSeconds: number | null;
  revocationLagP95Seconds: number | null;
  revocationLagMaxSeconds: number | null;
  /** Access removed more than five minutes after it should have ended. */
  lateRevocations: number;
  policyVersions: number;
  driftFound: number;
  ungrantedRequests: Record<string, number>;
  ledgerEvents: number;
}

export const LATE_REVOCATION_SECONDS = 300;

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function computeFigures(input: {
  population: PopulationRow[];
  policies: PolicyVersionRow[];
  drift: DriftRow[];
  ungranted: Record<string, number>;
  ledgerEvents: number;
  periodEnd: Date;
}): EvidenceFigures {
  const { population } = input;
  const lags = population.flatMap((g) => (g.revocationLagSeconds === null ? [] : [g.revocationLagSeconds])).sort((a, b) => a - b);
  const breakGlass = population.filter((g) => g.breakGlass);
  return {
    grants: population.length,
    people: new Set(population.map((g) => g.requesterEmail ?? g.requester)).size,
    resources: new Set(population.map((g) => g.resourceSlug)).size,
    approvedByPeople: population.filter((g) => g.approvals.some((a) => a.decision === "APPROVE")).length,
    approvedByPolicy: population.filter((g) => g.approvedBy === "policy").length,
    breakGlass: breakGlass.length,
    breakGlassReviewed: breakGlass.filter((g) => g.reviewStatus === "COMPLETED").length,
    breakGlassOpen: breakGlass.filter((g) => g.reviewStatus !== "COMPLETED").length,
    revoked: population.filter((g) => g.revokedAt !== null).length,
    stillOpenAtPeriodEnd: population.filter((g) => (g.revokedAt ?? g.endsAt) >= input.periodEnd && g.status !== "FAILED").length,
    revocationLagMedianSeconds: percentile(lags, 50),
    revocationLagP95Seconds: percentile(lags, 95),
    revocationLagMaxSeconds: lags.length ? lags[lags.length - 1]! : null,
    lateRevocations: lags.filter((lag) => lag > LATE_REVOCATION_SECONDS).length,
    policyVersions: input.policies.length,
    driftFound: input.drift.length,
    ungrantedRequests: input.ungranted,
    ledgerEvents: input.ledgerEvents,
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export interface SummaryContext {
  packId: string;
  periodStart: string;
  periodEnd: string;
  scope: string;
  generatedAt: string;
  generatedBy: string;
  verification: { ok: boolean; events: number; detail: string };
  checkpoint: { seq: string; headSeq: string; keyId: string; signedAt: string } | null;
  publicKeyBase64: string;
  files: { name: string; sha256: string; bytes: number; rows?: number; what: string }[];
}

const CONTROLS: { framework: string; control: string; evidence: string }[] = [
  { framework: "SOC 2", control: "CC6.1 logical access; CC6.2 provisioning and removal; CC6.3 least privilege", evidence: "access-population.csv, policy-versions.json, ledger-events.jsonl" },
  { framework: "ISO/IEC 27001:2022", control: "A.5.15 access control, A.5.16 identity management, A.5.17 authentication, A.5.18 access rights, A.8.2 privileged access", evidence: "access-population.csv, break-glass-reviews.csv, policy-versions.json" },
  { framework: "NIST SP 800-53", control: "AC-2(2) temporary accounts removed automatically; AC-6 least privilege; AU-9 protection of audit information", evidence: "access-population.csv (revocation lag), verification.json, manifest.json" },
  { framework: "PCI DSS v4.0", control: "7 restrict access by need to know; 8 identify users; 10 log and monitor access (sampling)", evidence: "access-population.csv, ledger-events.jsonl, drift.csv" },
];

export function renderSummaryHtml(figures: EvidenceFigures, context: SummaryContext): string {
  const stat = (label: string, value: string | number, hint = "") =>
    `<div class="stat"><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(String(value))}</dd>${hint ? `<dd class="hint">${escapeHtml(hint)}</dd>` : ""}</div>`;
  const ungranted = Object.entries(figures.ungrantedRequests)
    .map(([status, n]) => `${n} ${status.toLowerCase()}`)
    .join(", ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keycard evidence pack ${escapeHtml(context.periodStart)} to ${escapeHtml(context.periodEnd)}</title>
<style>
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#0f172a;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0}h2{font-size:1.05rem;margin:2rem 0 .5rem;border-bottom:1px solid #e2e8f0;padding-bottom:.25rem}
.meta{color:#475569}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.75rem;margin:0}
.stat{border:1px solid #e2e8f0;border-radius:.5rem;padding:.6rem .8rem}.stat dt{font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;color:#64748b}
.stat dd{margin:0;font-size:1.35rem;font-weight:600;font-variant-numeric:tabular-nums}.stat dd.hint{font-size:.75rem;font-weight:400;color:#64748b}
table{border-collapse:collapse;width:100%}th,td{text-align:left;border-bottom:1px solid #e2e8f0;padding:.35rem .5rem;vertical-align:top}
th{font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;color:#64748b}code{font-size:.8rem;word-break:break-all}
.ok{color:#047857;font-weight:600}.bad{color:#b91c1c;font-weight:600}
</style>
</head>
<body>
<header>
<h1>Access evidence: ${escapeHtml(context.periodStart)} to ${escapeHtml(context.periodEnd)}</h1>
<p class="meta">Scope: ${escapeHtml(context.scope)} · generated ${escapeHtml(context.generatedAt)} by ${escapeHtml(context.generatedBy)} · pack ${escapeHtml(context.packId)}</p>
</header>
<main>
<h2>Ledger integrity</h2>
<p class="${context.verification.ok ? "ok" : "bad"}">${context.verification.ok ? "Verified" : "VERIFICATION FAILED"}: ${escapeHtml(context.verification.detail)}</p>
<p>${context.checkpoint ? `Latest signed checkpoint: event #${escapeHtml(context.checkpoint.seq)}, covering events up to #${escapeHtml(context.checkpoint.headSeq)}, signed ${escapeHtml(context.checkpoint.signedAt)} with key <code>${escapeHtml(context.checkpoint.keyId)}</code>.` : "No signed checkpoint yet."}
Ledger public key (Ed25519, base64): <code>${escapeHtml(context.publicKeyBase64)}</code></p>

<h2>Headline figures</h2>
<dl class="grid">
${stat("Grants in the period", figures.grants)}
${stat("People", figures.people)}
${stat("Resources", figures.resources)}
${stat("Approved by people", figures.approvedByPeople)}
${stat("Approved by policy", figures.approvedByPolicy)}
${stat("Break-glass", figures.breakGlass, `${figures.breakGlassReviewed} reviewed, ${figures.breakGlassOpen} open`)}
${stat("Revocation lag (median)", duration(figures.revocationLagMedianSeconds), `p95 ${duration(figures.revocationLagP95Seconds)}, max ${duration(figures.revocationLagMaxSeconds)}`)}
${stat("Late revocations", figures.lateRevocations, "removed more than 5 min after the window")}
${stat("Open at period end", figures.stillOpenAtPeriodEnd)}
${stat("Policy versions in force", figures.policyVersions)}
${stat("Drift found", figures.driftFound)}
${stat("Requests not granted", Object.values(figures.ungrantedRequests).reduce((a, b) => a + b, 0), ungranted || "none")}
${stat("Ledger events", figures.ledgerEvents.toLocaleString("en"))}
</dl>

<h2>Control objectives</h2>
<table><thead><tr><th scope="col">Framework</th><th scope="col">Controls</th><th scope="col">Evidence in this pack</th></tr></thead><tbody>
${CONTROLS.map((c) => `<tr><td>${escapeHtml(c.framework)}</td><td>${escapeHtml(c.control)}</td><td>${escapeHtml(c.evidence)}</td></tr>`).join("\n")}
</tbody></table>

<h2>Files</h2>
<table><thead><tr><th scope="col">File</th><th scope="col">What it holds</th><th scope="col">Rows</th><th scope="col">SHA-256</th></tr></thead><tbody>
${context.files.map((f) => `<tr><td><code>${escapeHtml(f.name)}</code></td><td>${escapeHtml(f.what)}</td><td>${f.rows ?? ""}</td><td><code>${f.sha256}</code></td></tr>`).join("\n")}
</tbody></table>
<p class="meta">Check the pack offline: <code>npm run ledger:verify-export -- ledger-events.jsonl --manifest manifest.json</code> verifies the ledger events and every file digest against the signed manifest.</p>
</main>
</body>
</html>
`;
}
