import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvCell, csvLine, neutralizeCell, parseCsv, restoreCell } from "@/server/csv";

describe("CSV cells", () => {
  it.each([
    ["plain", "plain"],
    ["=HYPERLINK(\"http://evil\",\"click\")", "\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\""],
    ["+1+1", "'+1+1"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tTAB", "'\tTAB"],
    ["\rCR", "\"'\rCR\""],
    ["'already quoted", "''already quoted"],
    ["a,b", "\"a,b\""],
    ["say \"hi\"", "\"say \"\"hi\"\"\""],
    ["two\nlines", "\"two\nlines\""],
    ["crlf\r\nline", "\"crlf\r\nline\""],
    ["mid=formula", "mid=formula"],
    ["1 + 1", "1 + 1"],
    ["Müller ‮exe", "Müller ‮exe"],
    ["", ""],
    ["=HYPERLINK(\"http://evil\")", `"'=HYPERLINK(""http://evil"")"`],
    ["-@all +@read", "'-@all +@read"],
    ["orders_read", "orders_read"],
    // Numbers Keycard computed stay numbers (a negative one too); null and undefined are empty cells.
    [null, ""],
    [undefined, ""],
    [-3, "-3"],
    [12.5, "12.5"],
    [true, "true"],
  ])("writes %j as %j", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it("writes null as an empty cell and ends lines with CRLF", () => {
    expect(csvLine(["a", null, "=b"])).toBe("a,,'=b\r\n");
    expect(csvLine(["a", 1, null])).toBe("a,1,\r\n");
  });

  it("round-trips any text: parse and restore give back exactly what was written", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }), { minLength: 1, maxLength: 6 }), (cells) => {
        const parsed = [...parseCsv(csvLine(cells))];
        expect(parsed).toHaveLength(1);
        expect(parsed[0]!.map(restoreCell)).toEqual(cells);
      }),
      { numRuns: 500 },
    );
  });

  it("never lets a written cell start with a formula character, quoted or not", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(/^[=+\-@\t\r]/.test(neutralizeCell(text))).toBe(false);
        const cell = csvCell(text);
        expect(/^[=+\-@\t\r]/.test(cell.startsWith('"') ? cell.slice(1) : cell)).toBe(false);
      }),
    );
  });

  it("refuses malformed CSV instead of guessing", () => {
    expect(() => [...parseCsv('"open')]).toThrow();
    expect(() => [...parseCsv('a"b,c\r\n')]).toThrow();
    expect(() => [...parseCsv('"a"b,c\r\n')]).toThrow();
  });
});
