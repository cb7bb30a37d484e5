import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "@/server/ledger/canonical";
import {
  computeEventHash,
  decodeFieldsV2,
  decodeFieldsV3,
  encodeFieldsForHash,
  encodeEventForHashReference,
  encodeFieldsV2,
  encodeFieldsV3,
  jsonString,
  sha256Hex,
  toEncodedFields,
  type HashedEventFields,
} from "@/server/ledger/hash";

const text = fc.string({ unit: "binary" });
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

/** Events of one format whose text fields come from `str` and whose uuid fields from `uuid`. */
function events(format: number, str: fc.Arbitrary<string>, uuid: fc.Arbitrary<string>): fc.Arbitrary<HashedEventFields> {
  const orNull = <T,>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null });
  return fc.record({
    format: fc.constant(format),
    seq: fc.bigInt({ min: 1n, max: 2n ** 62n }),
    id: fc.uuid(),
    occurredAt: fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
    action: str,
    outcome: str,
    actorType: str,
    actorId: orNull(str),
    actorLabel: str,
    subjectType: str,
    subjectId: orNull(str),
    resourceId: orNull(uuid),
    requestId: orNull(uuid),
    grantId: orNull(uuid),
    summary: str,
    data: json,
    prevHash: str,
  });
}

// Format 1 is checked against its reference definition for any text at all, in every field.
const event = events(1, text, text);

describe("the event encoding", () => {
  it("writes format 1 as exactly the bytes of canonical JSON of the whole event, for any event", () => {
    fc.assert(fc.property(event, (e) => {
        expect(encodeFieldsForHash(toEncodedFields(e))).toBe(encodeEventForHashReference(e));
      }), { numRuns: 2000 });
  });

  it("escapes strings exactly as JSON.stringify does, lone surrogates and control characters included", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(jsonString(s)).toBe(JSON.stringify(s));
      }), { numRuns: 5000 });
    for (const s of ["\u0000", "\u001f", "\"", "\\", "\ud800", "\udfff", "😀", "\u2028", "\u007f"]) expect(jsonString(s)).toBe(JSON.stringify(s));
  });

  // What PostgreSQL can store: no U+0000 (appends turn it into U+FFFD before anything is hashed).
  const storable = text.map((s) => s.replaceAll("\u0000", "\ufffd"));
  const storedEvent = events(2, storable, fc.uuid());

  it("writes format 2 so that it decodes back to exactly the fields it was made of (no two events share one)", () => {
    fc.assert(fc.property(storedEvent, (e) => {
        const fields = toEncodedFields(e);
        expect(decodeFieldsV2(encodeFieldsV2(fields))).toEqual(fields);
      }), { numRuns: 3000 });
  });

  it("keeps format 2's fields apart where a naive join would not", () => {
    const base = toEncodedFields({
      format: 2, seq: 7n, id: "0192f000-0000-7000-8000-000000000007", occurredAt: new Date("2026-12-07T06:00:00.123Z"),
      action: "access/grant.activated", outcome: "success", actorType: "system", actorId: null, actorLabel: "sabc",
      subjectType: "grant", subjectId: "g1", resourceId: null, requestId: null, grantId: "0192f000-0000-7000-8000-0000000000aa",
      summary: "line one\nline two", data: { a: "x\u0000y" }, prevHash: "0".repeat(64),
    });
    expect(encodeFieldsV2(base)).toBe(
      "keycard-ledger/2\n7\n0192f000-0000-7000-8000-000000000007\n2026-12-07T06:00:00.123Z\n\n\n0192f000-0000-7000-8000-0000000000aa\n" +
        "access/grant.activated\u0000success\u0000system\u0000nsabc\u0000grant\u0000sg1\u0000line one\nline two\u0000" +
        `{"a":"x\\u0000y"}\u0000${"0".repeat(64)}\u0000`,
    );
    // A null actor followed by a label "sabc" is not the actor "abc" followed by an empty label.
    const shifted = { ...base, actorId: "abc", actorLabel: "" };
    expect(encodeFieldsV2(shifted)).not.toBe(encodeFieldsV2(base));
    expect(decodeFieldsV2(encodeFieldsV2(shifted))).toEqual(shifted);
    // Text that is not a canonical format 2 encoding decodes to nothing.
    for (const bad of ["", "keycard-ledger/2\n", `${encodeFieldsV2(base)}x`, encodeFieldsV2(base).replace("nsabc", "xsabc"), encodeFieldsV2(base).slice(0, -1)]) {
      expect(decodeFieldsV2(bad)).toBeNull();
    }
  });

  // Text as UTF-8 can carry it (PostgreSQL stores a lone surrogate as U+FFFD before anything is hashed).
  const utf8Storable = storable.map((s) => Buffer.from(s, "utf8").toString("utf8"));

  it("writes format 3 so that it decodes back to exactly the fields it was made of (no two events share one)", () => {
    fc.assert(fc.property(events(3, utf8Storable, fc.uuid()), (e) => {
        const fields = toEncodedFields(e);
        const encoded = encodeFieldsV3(fields)!;
        expect(encoded).not.toBeNull();
        expect(decodeFieldsV3(encoded)).toEqual(fields);
      }), { numRuns: 3000 });
  });

  it("writes format 3's header in hex and its text fields back to back, and has no encoding for a non-canonical field", () => {
    const base = toEncodedFields({
      format: 3, seq: 7n, id: "0192f000-0000-7000-8000-000000000007", occurredAt: new Date("2000-01-01T00:00:01.500Z"),
      action: "a/b.c", outcome: "ok", actorType: "system", actorId: null, actorLabel: "é",
      subjectType: "g", subjectId: "", resourceId: null, requestId: null, grantId: "0192f000-0000-7000-8000-0000000000aa",
      summary: "x\ny", data: {}, prevHash: "0".repeat(64),
    });
    const header =
      "0000000000000007" + "0192f000000070008000000000000007" + "000000000016e360" + "00" + "00" + "01" + "0192f0000000700080000000000000aa" +
      ["00000005", "00000002", "00000006", "ffffffff", "00000002", "00000001", "00000000", "00000003", "00000002"].join("");
    // seq 7, id, 1.5 s after 2000-01-01 in µs, no resource or request, the grant; the lengths of action "a/b.c",
    // "ok", "system", a null actorId, "é" (two bytes), "g", "", "x\ny", "{}"; then the texts.
    expect(encodeFieldsV3(base)).toBe(`keycard-ledger/3 ${header}\na/b.coksystemégx\ny{}${"0".repeat(64)}`);
    // The same bytes with the null actor given as "" are another event.
    expect(encodeFieldsV3({ ...base, actorId: "" })).not.toBe(encodeFieldsV3(base));
    const notCanonical: Record<string, unknown>[] = [
      { id: base.id.toUpperCase() }, { seq: "07" }, { seq: "+7" }, { occurredAt: "2000-01-01T00:00:01.5Z" }, { grantId: "not-a-uuid" },
      { seq: (2n ** 63n).toString() }, { actorLabel: "\ud800" }, { summary: "a\udc00" }, { subjectId: "\udbff" },
      // What a hostile file can hold where text belongs.
      { action: undefined }, { outcome: 5 }, { id: [base.id] }, { seq: 7 }, { occurredAt: null }, { actorId: {} },
    ];
    for (const bad of notCanonical) expect(encodeFieldsV3({ ...base, ...bad } as never), JSON.stringify(bad)).toBeNull();
    // A well-formed pair is text like any other.
    expect(encodeFieldsV3({ ...base, summary: "😀" })).not.toBeNull();
    const encoded = encodeFieldsV3(base)!;
    for (const bad of ["", "keycard-ledger/3 ", `${encoded.slice(0, 17)}0${encoded.slice(17)}`, encoded.replace("00000005", "7fffffff"), encoded.replace(" 0", " 8"), encoded.replace("ffffffff", "fffffffe")]) {
      expect(decodeFieldsV3(bad)).toBeNull();
    }
    // A header far longer than any valid one is refused without reading it (it used to overflow the regex).
    expect(decodeFieldsV3(`keycard-ledger/3 ${"0".repeat(10_000_000)}\n`)).toBeNull();
  });

  it("hashes each event in its own format and refuses a format that does not exist", () => {
    const e: HashedEventFields = {
      format: 2, seq: 1n, id: "0192f000-0000-7000-8000-000000000001", occurredAt: new Date("2026-12-07T06:00:00.000Z"),
      action: "system/demo.seeded", outcome: "success", actorType: "system", actorId: "seed", actorLabel: "system:seed",
      subjectType: "test", subjectId: null, resourceId: null, requestId: null, grantId: null, summary: "s", data: {}, prevHash: "0".repeat(64),
    };
    expect(computeEventHash(e)).toBe(sha256Hex(encodeFieldsV2(toEncodedFields(e))));
    expect(computeEventHash({ ...e, format: 1 })).toBe(sha256Hex(encodeEventForHashReference({ ...e, format: 1 })));
    expect(computeEventHash({ ...e, format: 1 })).not.toBe(computeEventHash(e));
    expect(computeEventHash({ ...e, format: 3 })).toBe(sha256Hex(encodeFieldsV3(toEncodedFields({ ...e, format: 3 }))!));
    expect(new Set([1, 2, 3].map((format) => computeEventHash({ ...e, format }))).size).toBe(3);
    expect(encodeFieldsForHash(toEncodedFields({ ...e, format: 4 }))).toBeNull();
    expect(() => computeEventHash({ ...e, format: 4 })).toThrow(/format 4 does not exist/);
  });
});
