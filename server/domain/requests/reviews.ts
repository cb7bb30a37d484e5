import { assertCan } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import { dbNow } from "@/server/db/clock";
import type { Ctx } from "@/server/domain/context";
import { DomainError } from "@/server/errors";
import { appendLedgerEvent } from "@/server/ledger";
import { enqueueNotifications } from "@/server/notifications/enqueue";
import { breakGlassReviewDue } from "@/server/notifications/messages";
import { adminRecipientIds } from "@/server/notifications/recipients";
import { z } from "zod";

export const ZCompleteReviewInput = z
  .object({
    reviewId: z.uuid(),
    outcome: z.enum(["justified", "not_justified", "needs_follow_up"]),
    notes: z.string().trim().min(20, "Write what happened and what follows (at least 20 characters).").max(5000),
  })
  .strict();
export type CompleteReviewInput = z.infer<typeof ZCompleteReviewInput>;

/** An admin other than the person who broke the glass completes the post-incident review. */
export async function completeBreakGlassReview(input: CompleteReviewInput, ctx: Ctx) {
  assertCan(ctx.actor, "break_glass:review");
  if (ctx.actor.type !== "identity") throw new DomainError("FORBIDDEN", "Only a person can review break-glass access.");
  const actor = ctx.actor;
  return ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "BreakGlassReview" WHERE id = ${input.reviewId}::uuid FOR UPDATE`;
    const review = await tx.breakGlassReview.findUnique({
      where: { id: input.reviewId },
      include: { grant: { include: { identity: { select: { id: true, name: true } }, resource: { select: { name: true } } } } },
    });
    if (!review) throw new DomainError("NOT_FOUND", "No such review.");
    if (review.status === "COMPLETED") throw new DomainError("INVALID_TRANSITION", "This review was already completed.");
    if (review.grant.identityId === actor.id) {
      throw new DomainError("FORBIDDEN", "You broke the glass yourself: another admin must review it.");
    }
    const now = await dbNow(tx);
    const completed = await tx.breakGlassReview.update({
      where: { id: review.id },
      data: { status: "COMPLETED", reviewerId: actor.id, outcome: input.outcome, notes: input.notes, completedAt: now },
    });
    await appendLedgerEvent(tx, {
      action: "access/break_glass.reviewed",
      actor,
      subject: { type: "break_glass_review", id: review.id },
      resourceId: review.grant.resourceId,
      requestId: review.grant.requestId,
      grantId: review.grantId,
      summary: `${actor.name} reviewed ${review.grant.identity.name}'s break-glass access to ${review.grant.resource.name}: ${input.outcome.replaceAll("_", " ")}`,
      data: { outcome: input.outcome, notes: input.notes, dueAt: review.dueAt.toISOString(), late: now > review.dueAt },
    });
    return completed;
  });
}

export async function listBreakGlassReviews(ctx: Ctx) {
  assertCan(ctx.actor, "break_glass:review");
  const now = await dbNow(ctx.db);
  const reviews = await ctx.db.breakGlassReview.findMany({
    orderBy: [{ status: "asc" }, { dueAt: "asc" }],
    take: 200,
    include: {
      reviewer: { select: { name: true } },
      grant: {
        select: {
          id: true,
          startsAt: true,
          endsAt: true,
          status: true,
          identity: { select: { id: true, name: true } },
          resource: { select: { name: true, tier: true } },
          accessLevel: { select: { name: true } },
          request: { select: { justification: true, ticketRef: true } },
        },
      },
    },
  });
  return reviews.map((review) => ({ ...review, overdue: review.status === "OPEN" && review.dueAt < now }));
}

const REVIEW_REMINDER_MS = 24 * 3600_000;

/**
 * Reminds admins (never the person who broke the glass) of open break-glass reviews: a day after the
 * incident and every day after, until one of them completes it.
 */
export async function remindOpenReviews(db: Db): Promise<number> {
  const now = await dbNow(db);
  const due = await db.breakGlassReview.findMany({
    where: { status: "OPEN", OR: [{ lastRemindedAt: null, createdAt: { lte: new Date(now.getTime() - REVIEW_REMINDER_MS) } }, { lastRemindedAt: { lte: new Date(now.getTime() - REVIEW_REMINDER_MS) } }] },
    include: { grant: { select: { id: true, requestId: true, endsAt: true, identity: { select: { id: true, name: true } }, resource: { select: { name: true } }, accessLevel: { select: { name: true } } } } },
    take: 200,
  });
  for (const review of due) {
    await db.$transaction(async (tx) => {
      const reminder = Math.max(1, Math.floor((now.getTime() - review.createdAt.getTime()) / REVIEW_REMINDER_MS));
      await tx.breakGlassReview.update({ where: { id: review.id }, data: { lastRemindedAt: now } });
      await enqueueNotifications(
        tx,
        breakGlassReviewDue({
          grant: { id: review.grant.id, requestId: review.grant.requestId, holder: review.grant.identity, resourceName: review.grant.resource.name, accessLevelName: review.grant.accessLevel.name, endsAt: review.grant.endsAt, breakGlass: true },
          reviewId: review.id,
          dueAt: review.dueAt,
          adminIds: await adminRecipientIds(tx, { except: [review.grant.identity.id] }),
          reminder,
        }),
      );
    });
  }
  return due.length;
}
