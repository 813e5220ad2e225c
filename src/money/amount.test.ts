import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isGatewayError } from "../errors/gatewayError.ts";
import { formatAmount, MAX_BASE_UNITS, parseAmount } from "./amount.ts";

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return "OK";
  } catch (error) {
    return isGatewayError(error) ? error.code : "THROWN";
  }
};

describe("amounts", () => {
  test("parseAmount: plain decimals become base units", () => {
    expect(parseAmount("12.5", 9)).toBe(12_500_000_000n);
    expect(parseAmount("0.000000001", 9)).toBe(1n);
    expect(parseAmount("7", 0)).toBe(7n);
  });

  test.each([
    "1e3",
    "-1",
    "0",
    "0.0",
    " 1",
    "1 ",
    "١٢",
    "01",
    "1.",
    ".5",
    "+1",
    "1,5",
    "",
    "0x10",
    "NaN",
    "Infinity",
    "1.0000000001",
    "9".repeat(90),
  ])("parseAmount refuses %j with BAD_USER_INPUT", (text) => {
    expect(codeOf(() => parseAmount(text, 9))).toBe("BAD_USER_INPUT");
  });

  test("parseAmount refuses more than 2^256 − 1 base units", () => {
    expect(codeOf(() => parseAmount(MAX_BASE_UNITS.toString(), 0))).toBe("OK");
    expect(codeOf(() => parseAmount((MAX_BASE_UNITS + 1n).toString(), 0))).toBe("BAD_USER_INPUT");
  });

  test("formatAmount and parseAmount round-trip every positive amount", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: MAX_BASE_UNITS }),
        fc.integer({ min: 0, max: 18 }),
        (units, decimals) => {
          expect(parseAmount(formatAmount(units, decimals), decimals)).toBe(units);
        },
      ),
    );
    expect(formatAmount(12_500_000_000n, 9)).toBe("12.5");
    expect(formatAmount(0n, 9)).toBe("0");
  });
});
