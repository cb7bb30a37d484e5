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
  ])("writes %j as %j", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it("writes null as an empty cell and ends lines with CRLF", () => {
    expect(csvLine(["a", null, "=b"])).toBe("a,,'=b\r\n");
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

  it("never lets a written cell start with a formula character", () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(/^[=+\-@\t\r]/.test(neutralizeCell(value))).toBe(false);
      }),
    );
  });

  it("refuses malformed CSV instead of guessing", () => {
    expect(() => [...parseCsv('"open')]).toThrow();
    expect(() => [...parseCsv('a"b,c\r\n')]).toThrow();
    expect(() => [...parseCsv('"a"b,c\r\n')]).toThrow();
  });
});

describe("report cells: numbers stay numbers, text is never a formula", () => {
  it.each([
    ["=HYPERLINK(\"http://evil\")", `"'=HYPERLINK(""http://evil"")"`],
    ["+1+1", "'+1+1"],
    ["-@all +@read", "'-@all +@read"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
    ["\rcmd", `"'\rcmd"`],
    ["orders_read", "orders_read"],
    ["a,b", `"a,b"`],
    ['say "hi"', `"say ""hi"""`],
    ["line\nbreak", `"line\nbreak"`],
    ["", ""],
    [null, ""],
    [undefined, ""],
    [-3, "-3"],
    [12.5, "12.5"],
    [true, "true"],
  ])("%j → %j", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it("never lets a text cell start with a formula character", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const cell = csvCell(text);
        const unquoted = cell.startsWith('"') ? cell.slice(1) : cell;
        expect(/^[=+\-@\t\r]/.test(unquoted)).toBe(false);
      }),
    );
  });

  it("ends lines with CRLF", () => {
    expect(csvLine(["a", 1, null])).toBe("a,1,\r\n");
  });
});
