import type { PolicyDecision } from "@/server/domain/policies/engine";
import type { ApprovalStage, ApproverSource } from "@/server/domain/policies/schema";
import type { RequestRef } from "@/server/notifications/messages";

/**
 * What a request keeps of its policy decision (AccessRequest.decision): the outcome and reasons shown
 * to the requester, the approval plan, and the SLA — decided once, under the recorded policy version.
 */
export interface StoredDecision {
  outcome: PolicyDecision["outcome"];
  matched: PolicyDecision["matched"];
  reasons: string[];
  stages: ApprovalStage[];
  escalateTo: ApproverSource[];
  risk: PolicyDecision["risk"];
  maxDurationMinutes: number;
  reminderMinutes: number;
  slaMinutes: number;
  timeoutMinutes: number;
  businessHours: boolean;
  policyVersion: number;
}

export function storedDecision(decision: PolicyDecision, policyVersion: number): StoredDecision {
  return {
    outcome: decision.outcome,
    matched: decision.matched,
    reasons: decision.reasons,
    stages: decision.stages,
    escalateTo: decision.escalateTo,
    risk: decision.risk,
    maxDurationMinutes: decision.maxDurationMinutes,
    reminderMinutes: decision.reminderMinutes,
    slaMinutes: decision.slaMinutes,
    timeoutMinutes: decision.timeoutMinutes,
    businessHours: decision.businessHours,
    policyVersion,
  };
}

export function requestRef(
  request: { id: string; durationMinutes: number; justification: string; ticketRef: string | null; riskScore: number; kind: "STANDARD" | "EXTENSION" | "BREAK_GLASS" },
  requester: { id: string; name: string },
  resourceName: string,
  accessLevelName: string,
): RequestRef {
  return {
    id: request.id,
    requester: { id: requester.id, name: requester.name },
    resourceName,
    accessLevelName,
    durationMinutes: request.durationMinutes,
    justification: request.justification,
    ticketRef: request.ticketRef,
    riskScore: request.riskScore,
    kind: request.kind,
  };
}
