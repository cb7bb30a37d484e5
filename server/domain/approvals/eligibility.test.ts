import { describe, expect, it } from "vitest";
import { canDecide, canStillBeApproved, eligibleApprovers, nextState, type ApprovalContext, type RecordedDecision } from "./eligibility";

// An organisation: the owners group has ana, bo, cy and the requester rae; the DBA group has dee and bo; the
// requester's lead is lee; the machine bot-1 is owned by own and sits in the owners group by mistake.
const resolved = {
  owner: ["ana", "bo", "cy", "rae", "bot-1", "own"],
  "group:dba": ["dee", "bo"],
  team_lead: ["lee"],
  fallback: ["fay"],
} as const;

const twoOwners: ApprovalContext = {
  stages: [{ name: "Owners", required: 2, sources: ["owner"] }],
  resolved,
  requester: { id: "rae" },
  machineIds: new Set(["bot-1", "bot-2"]),
};

const peerThenOwner: ApprovalContext = {
  stages: [
    { name: "Peer", required: 1, sources: ["team_lead", "group:dba"] },
    { name: "Owner", required: 1, sources: ["owner"] },
  ],
  resolved,
  requester: { id: "rae" },
  machineIds: new Set(["bot-1"]),
};

const approve = (approverId: string, stage = 0): RecordedDecision => ({ approverId, stage, decision: "APPROVE" });
const deny = (approverId: string, stage = 0): RecordedDecision => ({ approverId, stage, decision: "DENY" });

describe("who may decide", () => {
  it.each<[string, ApprovalContext, RecordedDecision[], string, ReturnType<typeof canDecide>]>([
    ["an owner decides an open request", twoOwners, [], "ana", { allowed: true, stage: 0 }],
    ["a second owner decides after the first", twoOwners, [approve("ana")], "bo", { allowed: true, stage: 0 }],
    ["the requester cannot decide their own request, though they are in the owner group", twoOwners, [], "rae", { allowed: false, code: "SELF", reason: "You cannot decide your own request." }],
    ["a machine cannot decide, though it is in the owner group", twoOwners, [], "bot-1", { allowed: false, code: "MACHINE", reason: "A machine identity cannot decide access requests." }],
    ["an owner cannot decide twice", twoOwners, [approve("ana")], "ana", { allowed: false, code: "ALREADY_DECIDED", reason: "You have already decided this request." }],
    ["nobody decides an approved request", twoOwners, [approve("ana"), approve("bo")], "cy", { allowed: false, code: "FINAL", reason: "This request has already been approved." }],
    ["nobody decides a denied request", twoOwners, [deny("ana")], "bo", { allowed: false, code: "FINAL", reason: "This request has already been denied." }],
    ["someone outside every source cannot decide", twoOwners, [], "zed", { allowed: false, code: "NOT_ELIGIBLE", reason: "You are not an approver for this request." }],
    ["the lead decides the peer stage", peerThenOwner, [], "lee", { allowed: true, stage: 0 }],
    [
      "an owner cannot decide while the peer stage is open",
      peerThenOwner,
      [],
      "ana",
      { allowed: false, code: "STAGE_NOT_OPEN", reason: 'You approve in the "Owner" stage, which opens once "Peer" is approved.' },
    ],
    ["someone eligible for both stages decides the open one", peerThenOwner, [], "bo", { allowed: true, stage: 0 }],
    ["an owner decides once the peer stage passed", peerThenOwner, [approve("lee")], "ana", { allowed: true, stage: 1 }],
    ["the peer approver cannot also approve as owner", peerThenOwner, [approve("bo")], "bo", { allowed: false, code: "ALREADY_DECIDED", reason: "You have already decided this request." }],
  ])("%s", (_title, context, decisions, approver, expected) => {
    expect(canDecide(context, decisions, approver)).toEqual(expected);
  });

  it("an approver removed from the group can no longer decide", () => {
    const removed: ApprovalContext = { ...twoOwners, resolved: { ...resolved, owner: ["bo", "cy"] } };
    expect(canDecide(twoOwners, [], "ana").allowed).toBe(true);
    expect(canDecide(removed, [], "ana")).toMatchObject({ allowed: false, code: "NOT_ELIGIBLE" });
  });

  it("the owner of a machine cannot decide the machine's request", () => {
    const machineRequest: ApprovalContext = { ...twoOwners, requester: { id: "bot-2", ownerId: "own" } };
    expect(canDecide(machineRequest, [], "own")).toEqual({
      allowed: false,
      code: "MACHINE_OWNER",
      reason: "You own the machine identity that made this request, so you cannot decide it.",
    });
    expect(canDecide(machineRequest, [], "bot-2")).toMatchObject({ allowed: false, code: "MACHINE" });
    expect(canDecide(machineRequest, [], "ana")).toEqual({ allowed: true, stage: 0 });
  });

  it("whoever created one of the requester's API tokens cannot decide the request (they could have made it)", () => {
    const viaToken: ApprovalContext = { ...twoOwners, requester: { id: "bot-2", ownerId: "own", tokenCreatorIds: ["ana"] } };
    expect(canDecide(viaToken, [], "ana")).toEqual({
      allowed: false,
      code: "TOKEN_CREATOR",
      reason: "You created an API token of the identity that made this request, so you could have made it: you cannot decide it.",
    });
    expect(eligibleApprovers(viaToken)[0]?.has("ana")).toBe(false);
    expect(canDecide(viaToken, [], "bo")).toEqual({ allowed: true, stage: 0 });
  });

  it("escalation adds fallback approvers to the open stage", () => {
    const escalated: ApprovalContext = { ...twoOwners, stages: [{ name: "Owners", required: 2, sources: ["owner", "fallback"] }] };
    expect(canDecide(twoOwners, [], "fay").allowed).toBe(false);
    expect(canDecide(escalated, [], "fay")).toEqual({ allowed: true, stage: 0 });
  });
});

describe("the state of a request", () => {
  it.each<[string, ApprovalContext, RecordedDecision[], ReturnType<typeof nextState>]>([
    ["pending with no decisions", twoOwners, [], { status: "pending", stage: 0, stageName: "Owners", approvals: 0, remaining: 2 }],
    ["pending after one of two", twoOwners, [approve("ana")], { status: "pending", stage: 0, stageName: "Owners", approvals: 1, remaining: 1 }],
    ["approved after two distinct owners", twoOwners, [approve("ana"), approve("bo")], { status: "approved" }],
    ["denied by any deny, even after approvals", twoOwners, [approve("ana"), deny("bo")], { status: "denied", deniedBy: "bo", stage: 0 }],
    ["denied, and a later approval changes nothing", twoOwners, [deny("ana"), approve("bo"), approve("cy")], { status: "denied", deniedBy: "ana", stage: 0 }],
    ["the same person twice counts once", twoOwners, [approve("ana"), approve("ana")], { status: "pending", stage: 0, stageName: "Owners", approvals: 1, remaining: 1 }],
    ["the requester's own approval does not count", twoOwners, [approve("rae"), approve("ana")], { status: "pending", stage: 0, stageName: "Owners", approvals: 1, remaining: 1 }],
    ["a machine's approval does not count", twoOwners, [approve("bot-1"), approve("ana")], { status: "pending", stage: 0, stageName: "Owners", approvals: 1, remaining: 1 }],
    ["an outsider's approval does not count", twoOwners, [approve("zed"), approve("ana")], { status: "pending", stage: 0, stageName: "Owners", approvals: 1, remaining: 1 }],
    ["stage 2 opens after stage 1", peerThenOwner, [approve("lee")], { status: "pending", stage: 1, stageName: "Owner", approvals: 0, remaining: 1 }],
    ["approved after both stages", peerThenOwner, [approve("lee"), approve("ana", 1)], { status: "approved" }],
    ["one person cannot fill two stages", peerThenOwner, [approve("bo"), approve("bo", 1)], { status: "pending", stage: 1, stageName: "Owner", approvals: 0, remaining: 1 }],
    ["an approval counts only in the stage it was given in", peerThenOwner, [approve("ana", 1)], { status: "pending", stage: 0, stageName: "Peer", approvals: 0, remaining: 1 }],
    ["no stages means approved", { ...twoOwners, stages: [] }, [], { status: "approved" }],
  ])("%s", (_title, context, decisions, expected) => {
    expect(nextState(context, decisions)).toEqual(expected);
  });

  it("an approval given before the approver was removed from the group no longer counts", () => {
    const removed: ApprovalContext = { ...twoOwners, resolved: { ...resolved, owner: ["bo", "cy"] } };
    expect(nextState(removed, [approve("ana"), approve("bo")])).toMatchObject({ status: "pending", approvals: 1 });
  });
});

describe("eligible approvers", () => {
  it("are the union of a stage's sources, without the requester, the machine's owner or machines", () => {
    const machineRequest: ApprovalContext = { ...twoOwners, requester: { id: "bot-2", ownerId: "own" } };
    expect(eligibleApprovers(machineRequest).map((people) => [...people].sort())).toEqual([["ana", "bo", "cy", "rae"]]);
    expect(eligibleApprovers(twoOwners).map((people) => [...people].sort())).toEqual([["ana", "bo", "cy", "own"]]);
  });

  it("treat a source nobody resolved as empty", () => {
    expect(eligibleApprovers({ ...twoOwners, stages: [{ name: "x", required: 1, sources: ["oncall:security"] }] })).toEqual([new Set()]);
  });
});

describe("whether a request can still be approved", () => {
  it.each<[string, ApprovalContext, RecordedDecision[], boolean]>([
    ["two owners available for two slots", twoOwners, [], true],
    ["only the requester and a machine besides one owner", { ...twoOwners, resolved: { owner: ["rae", "bot-1", "ana"] } }, [], false],
    ["one approval in, one owner left", { ...twoOwners, resolved: { owner: ["ana", "bo"] } }, [approve("ana")], true],
    ["one approval in, the only other owner already denied", { ...twoOwners, resolved: { owner: ["ana", "bo"] } }, [approve("ana"), deny("bo")], false],
    [
      "two stages that need the same single person",
      { ...peerThenOwner, resolved: { team_lead: ["lee"], owner: ["lee"] } },
      [],
      false,
    ],
    [
      "two stages whose pools overlap but can be split",
      { ...peerThenOwner, resolved: { team_lead: ["lee"], "group:dba": ["ana"], owner: ["lee"] } },
      [],
      true,
    ],
    ["an approved request", twoOwners, [approve("ana"), approve("bo")], true],
  ])("%s → %s", (_title, context, decisions, expected) => {
    expect(canStillBeApproved(context, decisions)).toBe(expected);
  });
});
