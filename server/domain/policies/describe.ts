/** Plain-language descriptions of approver sources and stages, for the reasons shown to requesters. */
import type { ApprovalStage, ApproverSource } from "./schema";

export interface DescribeContext {
  ownerGroupSlug?: string | null;
}

export function describeSource(source: ApproverSource, context: DescribeContext = {}): string {
  switch (source) {
    case "owner":
      return context.ownerGroupSlug ? `the resource's owner group (${context.ownerGroupSlug})` : "the resource's owner group";
    case "owner_person":
      return "the resource owner";
    case "team_lead":
      return "your team lead";
    case "fallback":
      return "the resource's fallback approvers";
  }
  if (source.startsWith("group:")) return `group ${source.slice("group:".length)}`;
  return `whoever is on call in ${source.slice("oncall:".length)}`;
}

function describeSources(sources: readonly ApproverSource[], context: DescribeContext): string {
  const parts = sources.map((source) => describeSource(source, context));
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}`;
}

function describeCount(required: number): string {
  return required === 1 ? "1 approval" : `${required} approvals from distinct people`;
}

/** "Needs 2 approvals from distinct people from the resource's owner group (payments-owners)." */
export function describeStages(stages: readonly ApprovalStage[], context: DescribeContext = {}): string {
  if (stages.length === 1) {
    const [only] = stages;
    if (only) return `Needs ${describeCount(only.required)} from ${describeSources(only.sources, context)}.`;
  }
  const steps = stages.map((stage, index) => `(${index + 1}) ${stage.name}: ${describeCount(stage.required)} from ${describeSources(stage.sources, context)}`);
  return `Needs approval in ${stages.length} stages, in order: ${steps.join("; ")}.`;
}
