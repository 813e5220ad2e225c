import { describe, expect, test } from "vitest";
import {
  ANONYMOUS_OPERATION,
  OK,
  OperationLabeler,
  OTHER_ERROR,
  OTHER_OPERATION,
} from "./operationLabels.ts";

describe("OperationLabeler: label values stay bounded whatever clients send", () => {
  test("the first 100 distinct names are kept, later ones are 'other'; known names stay themselves", () => {
    const labels = new OperationLabeler();
    for (let i = 0; i < 100; i++) expect(labels.operation(`Op${i}`)).toBe(`Op${i}`);
    expect(labels.operation("Op100")).toBe(OTHER_OPERATION);
    expect(labels.operation("Op7")).toBe("Op7");
  });

  test("no name is 'anonymous'; a name that is not a GraphQL name, or too long, is 'other' and takes no slot", () => {
    const labels = new OperationLabeler();
    expect(labels.operation(undefined)).toBe(ANONYMOUS_OPERATION);
    expect(labels.operation(null)).toBe(ANONYMOUS_OPERATION);
    expect(labels.operation('x"}\nfake_metric 1')).toBe(OTHER_OPERATION);
    expect(labels.operation("a".repeat(101))).toBe(OTHER_OPERATION);
    for (let i = 0; i < 100; i++) expect(labels.operation(`Op${i}`)).toBe(`Op${i}`);
  });

  test("types outside query, mutation, subscription are 'unknown'", () => {
    const labels = new OperationLabeler();
    expect(
      ["query", "mutation", "subscription", "other", undefined].map((type) => labels.type(type)),
    ).toEqual(["query", "mutation", "subscription", "unknown", "unknown"]);
  });

  test("outcome: ok without errors, else the first error's code; odd or excess codes are OTHER_ERROR", () => {
    const labels = new OperationLabeler();
    expect(labels.outcome(undefined)).toBe(OK);
    expect(labels.outcome([])).toBe(OK);
    expect(labels.outcome([{ extensions: { code: "RATE_LIMITED" } }, { extensions: { code: "X" } }])).toBe(
      "RATE_LIMITED",
    );
    expect(labels.outcome([{}])).toBe(OTHER_ERROR);
    expect(labels.code("not a code")).toBe(OTHER_ERROR);
    for (let i = 0; i < 49; i++) expect(labels.code(`CODE_${i}`)).toBe(`CODE_${i}`);
    expect(labels.code("ONE_TOO_MANY")).toBe(OTHER_ERROR);
    expect(labels.code("RATE_LIMITED")).toBe("RATE_LIMITED");
  });
});
