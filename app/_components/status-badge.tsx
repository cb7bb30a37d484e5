import { Badge, type BadgeTone } from "@/app/_components/ui";

const tones: Record<string, BadgeTone> = {
  PENDING: "warn",
  APPROVED: "good",
  DENIED: "bad",
  CANCELLED: "neutral",
  EXPIRED: "neutral",
  SCHEDULED: "info",
  PROVISIONING: "info",
  ACTIVE: "good",
  REVOKING: "warn",
  REVOKED: "neutral",
  FAILED: "bad",
  success: "good",
  failure: "bad",
  denied: "warn",
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={tones[status] ?? "neutral"}>{status.toLowerCase().replaceAll("_", " ")}</Badge>;
}
