import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "@/server/ledger/canonical";
import { encodeEventForHash, encodeEventForHashReference, jsonString, type HashedEventFields } from "@/server/ledger/hash";

const text = fc.string({ unit: "binary" });
const nullable = fc.option(text, { nil: null });
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    text,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(text, tie("value"), { maxKeys: 4 }),
  ),
})).value;

const event: fc.Arbitrary<HashedEventFields> = fc.record({
  seq: fc.bigInt({ min: 1n, max: 2n ** 62n }),
  id: fc.uuid(),
  occurredAt: fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
  action: text,
  outcome: text,
  actorType: text,
  actorId: nullable,
  actorLabel: text,
  subjectType: text,
  subjectId: nullable,
  resourceId: nullable,
  requestId: nullable,
  grantId: nullable,
  summary: text,
  data: json,
  prevHash: text,
});

describe("the event encoding", () => {
  it("writes exactly the bytes of canonical JSON of the whole event, for any event", () => {
    fc.assert(fc.property(event, (e) => {
        expect(encodeEventForHash(e)).toBe(encodeEventForHashReference(e));
      }), { numRuns: 2000 });
  });

  it("escapes strings exactly as JSON.stringify does, lone surrogates and control characters included", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(jsonString(s)).toBe(JSON.stringify(s));
      }), { numRuns: 5000 });
    for (const s of ["\u0000", "\u001f", "\"", "\\", "\ud800", "\udfff", "😀", "\u2028", "\u007f"]) expect(jsonString(s)).toBe(JSON.stringify(s));
  });
});
