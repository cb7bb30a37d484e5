-- CreateEnum
CREATE TYPE "IdentityKind" AS ENUM ('HUMAN', 'MACHINE');

-- CreateEnum
CREATE TYPE "IdentityStatus" AS ENUM ('ACTIVE', 'DISABLED');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('REQUESTER', 'APPROVER', 'AUDITOR', 'ADMIN');

-- CreateEnum
CREATE TYPE "GroupKind" AS ENUM ('TEAM', 'APPROVERS', 'IDP');

-- CreateEnum
CREATE TYPE "ConnectorKind" AS ENUM ('POSTGRES', 'MARIADB', 'REDIS', 'WEBHOOK');

-- CreateEnum
CREATE TYPE "ConnectorHealth" AS ENUM ('UNKNOWN', 'HEALTHY', 'DEGRADED', 'FAILING');

-- CreateEnum
CREATE TYPE "ProvisioningMode" AS ENUM ('ROLE_ELEVATION', 'EPHEMERAL_CREDENTIAL');

-- CreateEnum
CREATE TYPE "RequestKind" AS ENUM ('STANDARD', 'EXTENSION', 'BREAK_GLASS');

-- CreateEnum
CREATE TYPE "RequestStatus" AS ENUM ('PENDING', 'APPROVED', 'DENIED', 'CANCELLED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "ApproverReason" AS ENUM ('GROUP', 'OWNER', 'FALLBACK');

-- CreateEnum
CREATE TYPE "DecisionKind" AS ENUM ('APPROVE', 'DENY');

-- CreateEnum
CREATE TYPE "GrantStatus" AS ENUM ('SCHEDULED', 'PROVISIONING', 'ACTIVE', 'REVOKING', 'REVOKED', 'FAILED');

-- CreateEnum
CREATE TYPE "RevocationReason" AS ENUM ('EXPIRED', 'RELEASED', 'ADMIN', 'POLICY_CHANGE', 'IDENTITY_DISABLED', 'PROVISION_FAILED');

-- CreateEnum
CREATE TYPE "ReviewStatus" AS ENUM ('OPEN', 'COMPLETED');

-- CreateEnum
CREATE TYPE "PrivilegeClass" AS ENUM ('JIT', 'BASELINE', 'STANDING');

-- CreateEnum
CREATE TYPE "ReportKind" AS ENUM ('STANDING_PRIVILEGES', 'METRICS');

-- CreateEnum
CREATE TYPE "EvidenceStatus" AS ENUM ('QUEUED', 'RUNNING', 'READY', 'FAILED');

-- CreateEnum
CREATE TYPE "NotificationChannel" AS ENUM ('IN_APP', 'EMAIL', 'WEBHOOK');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- CreateEnum
CREATE TYPE "JobRunStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "Identity" (
    "id" UUID NOT NULL,
    "kind" "IdentityKind" NOT NULL DEFAULT 'HUMAN',
    "status" "IdentityStatus" NOT NULL DEFAULT 'ACTIVE',
    "email" TEXT,
    "name" TEXT NOT NULL,
    "title" TEXT,
    "oidcIssuer" TEXT,
    "oidcSubject" TEXT,
    "roles" "Role"[] DEFAULT ARRAY['REQUESTER']::"Role"[],
    "idpGroups" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "ownerId" UUID,
    "disabledAt" TIMESTAMP(3),
    "lastSeenAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Identity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Group" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "GroupKind" NOT NULL DEFAULT 'TEAM',
    "description" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupMembership" (
    "groupId" UUID NOT NULL,
    "identityId" UUID NOT NULL,
    "isLead" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GroupMembership_pkey" PRIMARY KEY ("groupId","identityId")
);

-- CreateTable
CREATE TABLE "OnCallShift" (
    "id" UUID NOT NULL,
    "groupId" UUID NOT NULL,
    "identityId" UUID NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OnCallShift_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Connector" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ConnectorKind" NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "secretCiphertext" TEXT,
    "health" "ConnectorHealth" NOT NULL DEFAULT 'UNKNOWN',
    "lastCheckedAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Connector_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Resource" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "tier" INTEGER NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "environment" TEXT NOT NULL DEFAULT 'production',
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "connectorId" UUID,
    "target" JSONB NOT NULL DEFAULT '{}',
    "ownerId" UUID,
    "ownerGroupId" UUID,
    "fallbackGroupId" UUID,
    "requestable" BOOLEAN NOT NULL DEFAULT true,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Resource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessLevel" (
    "id" UUID NOT NULL,
    "resourceId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "mode" "ProvisioningMode" NOT NULL DEFAULT 'ROLE_ELEVATION',
    "privilege" JSONB NOT NULL DEFAULT '{}',
    "riskWeight" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AccessLevel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Policy" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "resourceId" UUID,
    "tier" INTEGER,
    "currentVersionId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicyVersion" (
    "id" UUID NOT NULL,
    "policyId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "note" TEXT,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessRequest" (
    "id" UUID NOT NULL,
    "kind" "RequestKind" NOT NULL DEFAULT 'STANDARD',
    "status" "RequestStatus" NOT NULL DEFAULT 'PENDING',
    "requesterId" UUID NOT NULL,
    "resourceId" UUID NOT NULL,
    "accessLevelId" UUID NOT NULL,
    "justification" TEXT NOT NULL,
    "ticketRef" TEXT,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "durationMinutes" INTEGER NOT NULL,
    "extendsGrantId" UUID,
    "clientRequestId" TEXT,
    "policyVersionId" UUID,
    "decision" JSONB NOT NULL,
    "riskScore" INTEGER NOT NULL DEFAULT 0,
    "currentStage" INTEGER NOT NULL DEFAULT 0,
    "slaDueAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "lastRemindedAt" TIMESTAMP(3),
    "escalatedAt" TIMESTAMP(3),
    "decidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AccessRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RequestApprover" (
    "requestId" UUID NOT NULL,
    "identityId" UUID NOT NULL,
    "stage" INTEGER NOT NULL,
    "reason" "ApproverReason" NOT NULL DEFAULT 'GROUP',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RequestApprover_pkey" PRIMARY KEY ("requestId","identityId","stage")
);

-- CreateTable
CREATE TABLE "ApprovalDecision" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "approverId" UUID NOT NULL,
    "stage" INTEGER NOT NULL,
    "decision" "DecisionKind" NOT NULL,
    "comment" TEXT,
    "durationMinutes" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApprovalDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Grant" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "identityId" UUID NOT NULL,
    "resourceId" UUID NOT NULL,
    "accessLevelId" UUID NOT NULL,
    "status" "GrantStatus" NOT NULL DEFAULT 'SCHEDULED',
    "breakGlass" BOOLEAN NOT NULL DEFAULT false,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "targetPrincipal" TEXT,
    "targetDetails" JSONB NOT NULL DEFAULT '{}',
    "provisionedAt" TIMESTAMP(3),
    "verifiedAt" TIMESTAMP(3),
    "activatedAt" TIMESTAMP(3),
    "expiryWarnedAt" TIMESTAMP(3),
    "revocationReason" "RevocationReason",
    "revokeRequestedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "lastError" TEXT,
    "failureAlertedAt" TIMESTAMP(3),
    "credentialCiphertext" TEXT,
    "credentialRevealedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Grant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BreakGlassReview" (
    "id" UUID NOT NULL,
    "grantId" UUID NOT NULL,
    "status" "ReviewStatus" NOT NULL DEFAULT 'OPEN',
    "dueAt" TIMESTAMP(3) NOT NULL,
    "reviewerId" UUID,
    "outcome" TEXT,
    "notes" TEXT,
    "lastRemindedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BreakGlassReview_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerEvent" (
    "seq" BIGINT NOT NULL,
    "id" UUID NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL DEFAULT 'success',
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT,
    "resourceId" UUID,
    "requestId" UUID,
    "grantId" UUID,
    "summary" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "LedgerEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "DiscoveredPrivilege" (
    "id" UUID NOT NULL,
    "connectorId" UUID NOT NULL,
    "principal" TEXT NOT NULL,
    "privilege" TEXT NOT NULL,
    "privilegeKind" TEXT NOT NULL,
    "identityId" UUID,
    "resourceId" UUID,
    "holderKind" "IdentityKind",
    "classification" "PrivilegeClass" NOT NULL DEFAULT 'STANDING',
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "goneAt" TIMESTAMP(3),

    CONSTRAINT "DiscoveredPrivilege_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BaselineDeclaration" (
    "id" UUID NOT NULL,
    "connectorId" UUID NOT NULL,
    "principal" TEXT NOT NULL,
    "privilege" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "reviewAt" TIMESTAMP(3) NOT NULL,
    "declaredById" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BaselineDeclaration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageDaily" (
    "connectorId" UUID NOT NULL,
    "principal" TEXT NOT NULL,
    "privilege" TEXT NOT NULL DEFAULT '*',
    "day" DATE NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "lastUsedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UsageDaily_pkey" PRIMARY KEY ("connectorId","principal","privilege","day")
);

-- CreateTable
CREATE TABLE "RateLimitWindow" (
    "key" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "RateLimitWindow_pkey" PRIMARY KEY ("key","windowStart")
);

-- CreateTable
CREATE TABLE "UsageEventReceipt" (
    "id" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageEventReceipt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportSnapshot" (
    "id" UUID NOT NULL,
    "kind" "ReportKind" NOT NULL,
    "summary" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReportSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportRow" (
    "snapshotId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "classification" "PrivilegeClass" NOT NULL,
    "riskRank" INTEGER NOT NULL,
    "data" JSONB NOT NULL,

    CONSTRAINT "ReportRow_pkey" PRIMARY KEY ("snapshotId","key")
);

-- CreateTable
CREATE TABLE "EvidencePack" (
    "id" UUID NOT NULL,
    "requestedById" UUID NOT NULL,
    "periodStart" TIMESTAMP(3) NOT NULL,
    "periodEnd" TIMESTAMP(3) NOT NULL,
    "scope" JSONB NOT NULL DEFAULT '{}',
    "status" "EvidenceStatus" NOT NULL DEFAULT 'QUEUED',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "sha256" TEXT,
    "sizeBytes" INTEGER,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "EvidencePack_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "identityId" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "scopes" TEXT[],
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "lastUsedIp" TEXT,
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" UUID NOT NULL,
    "recipientId" UUID,
    "channel" "NotificationChannel" NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "link" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "dedupeKey" TEXT NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "lastError" TEXT,
    "sentAt" TIMESTAMP(3),
    "readAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEndpoint" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secretCiphertext" TEXT NOT NULL,
    "kinds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WebhookEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" UUID NOT NULL,
    "functionId" TEXT NOT NULL,
    "runner" TEXT NOT NULL,
    "status" "JobRunStatus" NOT NULL DEFAULT 'RUNNING',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "error" TEXT,
    "output" JSONB,

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Identity_email_key" ON "Identity"("email");

-- CreateIndex
CREATE INDEX "Identity_kind_status_idx" ON "Identity"("kind", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Identity_oidcIssuer_oidcSubject_key" ON "Identity"("oidcIssuer", "oidcSubject");

-- CreateIndex
CREATE UNIQUE INDEX "Group_slug_key" ON "Group"("slug");

-- CreateIndex
CREATE INDEX "GroupMembership_identityId_idx" ON "GroupMembership"("identityId");

-- CreateIndex
CREATE INDEX "OnCallShift_identityId_startsAt_endsAt_idx" ON "OnCallShift"("identityId", "startsAt", "endsAt");

-- CreateIndex
CREATE INDEX "OnCallShift_groupId_startsAt_idx" ON "OnCallShift"("groupId", "startsAt");

-- CreateIndex
CREATE UNIQUE INDEX "Connector_slug_key" ON "Connector"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "Resource_slug_key" ON "Resource"("slug");

-- CreateIndex
CREATE INDEX "Resource_tier_idx" ON "Resource"("tier");

-- CreateIndex
CREATE INDEX "Resource_connectorId_idx" ON "Resource"("connectorId");

-- CreateIndex
CREATE UNIQUE INDEX "AccessLevel_resourceId_key_key" ON "AccessLevel"("resourceId", "key");

-- CreateIndex
CREATE UNIQUE INDEX "Policy_resourceId_key" ON "Policy"("resourceId");

-- CreateIndex
CREATE UNIQUE INDEX "Policy_tier_key" ON "Policy"("tier");

-- CreateIndex
CREATE UNIQUE INDEX "Policy_currentVersionId_key" ON "Policy"("currentVersionId");

-- CreateIndex
CREATE UNIQUE INDEX "PolicyVersion_policyId_version_key" ON "PolicyVersion"("policyId", "version");

-- CreateIndex
CREATE INDEX "AccessRequest_requesterId_createdAt_idx" ON "AccessRequest"("requesterId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "AccessRequest_status_slaDueAt_idx" ON "AccessRequest"("status", "slaDueAt");

-- CreateIndex
CREATE INDEX "AccessRequest_status_expiresAt_idx" ON "AccessRequest"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "AccessRequest_resourceId_accessLevelId_requesterId_createdA_idx" ON "AccessRequest"("resourceId", "accessLevelId", "requesterId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AccessRequest_requesterId_clientRequestId_key" ON "AccessRequest"("requesterId", "clientRequestId");

-- CreateIndex
CREATE INDEX "RequestApprover_identityId_requestId_idx" ON "RequestApprover"("identityId", "requestId");

-- CreateIndex
CREATE INDEX "ApprovalDecision_approverId_createdAt_idx" ON "ApprovalDecision"("approverId", "createdAt" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "ApprovalDecision_requestId_approverId_key" ON "ApprovalDecision"("requestId", "approverId");

-- CreateIndex
CREATE UNIQUE INDEX "Grant_requestId_key" ON "Grant"("requestId");

-- CreateIndex
CREATE INDEX "Grant_status_endsAt_idx" ON "Grant"("status", "endsAt");

-- CreateIndex
CREATE INDEX "Grant_status_startsAt_idx" ON "Grant"("status", "startsAt");

-- CreateIndex
CREATE INDEX "Grant_status_nextAttemptAt_idx" ON "Grant"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Grant_identityId_status_idx" ON "Grant"("identityId", "status");

-- CreateIndex
CREATE INDEX "Grant_resourceId_accessLevelId_identityId_status_idx" ON "Grant"("resourceId", "accessLevelId", "identityId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "BreakGlassReview_grantId_key" ON "BreakGlassReview"("grantId");

-- CreateIndex
CREATE INDEX "BreakGlassReview_status_dueAt_idx" ON "BreakGlassReview"("status", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEvent_id_key" ON "LedgerEvent"("id");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEvent_hash_key" ON "LedgerEvent"("hash");

-- CreateIndex
CREATE INDEX "LedgerEvent_occurredAt_idx" ON "LedgerEvent"("occurredAt");

-- CreateIndex
CREATE INDEX "LedgerEvent_actorId_seq_idx" ON "LedgerEvent"("actorId", "seq");

-- CreateIndex
CREATE INDEX "LedgerEvent_resourceId_seq_idx" ON "LedgerEvent"("resourceId", "seq");

-- CreateIndex
CREATE INDEX "LedgerEvent_requestId_seq_idx" ON "LedgerEvent"("requestId", "seq");

-- CreateIndex
CREATE INDEX "LedgerEvent_grantId_seq_idx" ON "LedgerEvent"("grantId", "seq");

-- CreateIndex
CREATE INDEX "LedgerEvent_action_seq_idx" ON "LedgerEvent"("action", "seq");

-- CreateIndex
CREATE INDEX "DiscoveredPrivilege_classification_goneAt_idx" ON "DiscoveredPrivilege"("classification", "goneAt");

-- CreateIndex
CREATE UNIQUE INDEX "DiscoveredPrivilege_connectorId_principal_privilege_key" ON "DiscoveredPrivilege"("connectorId", "principal", "privilege");

-- CreateIndex
CREATE UNIQUE INDEX "BaselineDeclaration_connectorId_principal_privilege_key" ON "BaselineDeclaration"("connectorId", "principal", "privilege");

-- CreateIndex
CREATE INDEX "UsageDaily_connectorId_principal_lastUsedAt_idx" ON "UsageDaily"("connectorId", "principal", "lastUsedAt");

-- CreateIndex
CREATE INDEX "RateLimitWindow_windowStart_idx" ON "RateLimitWindow"("windowStart");

-- CreateIndex
CREATE INDEX "UsageEventReceipt_receivedAt_idx" ON "UsageEventReceipt"("receivedAt");

-- CreateIndex
CREATE INDEX "ReportSnapshot_kind_createdAt_idx" ON "ReportSnapshot"("kind", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "ReportRow_snapshotId_riskRank_idx" ON "ReportRow"("snapshotId", "riskRank");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_identityId_idx" ON "ApiToken"("identityId");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_dedupeKey_key" ON "Notification"("dedupeKey");

-- CreateIndex
CREATE INDEX "Notification_recipientId_channel_createdAt_idx" ON "Notification"("recipientId", "channel", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "Notification_status_nextAttemptAt_idx" ON "Notification"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "JobRun_functionId_startedAt_idx" ON "JobRun"("functionId", "startedAt" DESC);

-- AddForeignKey
ALTER TABLE "Identity" ADD CONSTRAINT "Identity_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupMembership" ADD CONSTRAINT "GroupMembership_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupMembership" ADD CONSTRAINT "GroupMembership_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OnCallShift" ADD CONSTRAINT "OnCallShift_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OnCallShift" ADD CONSTRAINT "OnCallShift_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Resource" ADD CONSTRAINT "Resource_connectorId_fkey" FOREIGN KEY ("connectorId") REFERENCES "Connector"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Resource" ADD CONSTRAINT "Resource_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Resource" ADD CONSTRAINT "Resource_ownerGroupId_fkey" FOREIGN KEY ("ownerGroupId") REFERENCES "Group"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Resource" ADD CONSTRAINT "Resource_fallbackGroupId_fkey" FOREIGN KEY ("fallbackGroupId") REFERENCES "Group"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessLevel" ADD CONSTRAINT "AccessLevel_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "Resource"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Policy" ADD CONSTRAINT "Policy_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "Resource"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Policy" ADD CONSTRAINT "Policy_currentVersionId_fkey" FOREIGN KEY ("currentVersionId") REFERENCES "PolicyVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyVersion" ADD CONSTRAINT "PolicyVersion_policyId_fkey" FOREIGN KEY ("policyId") REFERENCES "Policy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyVersion" ADD CONSTRAINT "PolicyVersion_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_requesterId_fkey" FOREIGN KEY ("requesterId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "Resource"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_accessLevelId_fkey" FOREIGN KEY ("accessLevelId") REFERENCES "AccessLevel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_policyVersionId_fkey" FOREIGN KEY ("policyVersionId") REFERENCES "PolicyVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_extendsGrantId_fkey" FOREIGN KEY ("extendsGrantId") REFERENCES "Grant"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RequestApprover" ADD CONSTRAINT "RequestApprover_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "AccessRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RequestApprover" ADD CONSTRAINT "RequestApprover_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApprovalDecision" ADD CONSTRAINT "ApprovalDecision_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "AccessRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApprovalDecision" ADD CONSTRAINT "ApprovalDecision_approverId_fkey" FOREIGN KEY ("approverId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "AccessRequest"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "Resource"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_accessLevelId_fkey" FOREIGN KEY ("accessLevelId") REFERENCES "AccessLevel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BreakGlassReview" ADD CONSTRAINT "BreakGlassReview_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BreakGlassReview" ADD CONSTRAINT "BreakGlassReview_reviewerId_fkey" FOREIGN KEY ("reviewerId") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DiscoveredPrivilege" ADD CONSTRAINT "DiscoveredPrivilege_connectorId_fkey" FOREIGN KEY ("connectorId") REFERENCES "Connector"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DiscoveredPrivilege" ADD CONSTRAINT "DiscoveredPrivilege_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "Resource"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BaselineDeclaration" ADD CONSTRAINT "BaselineDeclaration_connectorId_fkey" FOREIGN KEY ("connectorId") REFERENCES "Connector"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BaselineDeclaration" ADD CONSTRAINT "BaselineDeclaration_declaredById_fkey" FOREIGN KEY ("declaredById") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageDaily" ADD CONSTRAINT "UsageDaily_connectorId_fkey" FOREIGN KEY ("connectorId") REFERENCES "Connector"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportRow" ADD CONSTRAINT "ReportRow_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "ReportSnapshot"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvidencePack" ADD CONSTRAINT "EvidencePack_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_recipientId_fkey" FOREIGN KEY ("recipientId") REFERENCES "Identity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Ledger events are append-only: the database itself refuses UPDATE, DELETE and TRUNCATE.
CREATE FUNCTION keycard_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "LedgerEvent_no_update_delete" BEFORE UPDATE OR DELETE ON "LedgerEvent" FOR EACH ROW EXECUTE FUNCTION keycard_ledger_immutable();
CREATE TRIGGER "LedgerEvent_no_truncate" BEFORE TRUNCATE ON "LedgerEvent" FOR EACH STATEMENT EXECUTE FUNCTION keycard_ledger_immutable();
