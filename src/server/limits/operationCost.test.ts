import { buildSchema, Kind, type OperationDefinitionNode, parse, print } from "graphql";
import { describe, expect, test } from "vitest";
import type { QueryLimits } from "../../config/limitsConfig.ts";
import { BadUserInputError } from "../../errors/gatewayError.ts";
import { operationCostCheck, withPageSizes } from "./operationCost.ts";

const schema = buildSchema(`
  type Query { viewer: Tenant! }
  type Tenant { id: ID! subnets(first: Int, after: String): SubnetConnection! }
  type SubnetConnection { edges: [SubnetEdge!]! }
  type SubnetEdge { cursor: String! node: Subnet! }
  type Subnet { id: ID! accounts(first: Int): AccountConnection! }
  type AccountConnection { edges: [AccountEdge!]! }
  type AccountEdge { node: Account! }
  type Account { id: ID! }
`);
const PAGES = { default: 20, max: 100 };

/** The `first` of every connection once withPageSizes made it a literal, in document order. */
function pageSizes(query: string, variables: Record<string, unknown> = {}): string[] {
  const document = parse(query);
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (!operation) throw new Error("no operation");
  const priced = print(withPageSizes(schema, operation, document, variables, PAGES));
  return [...priced.matchAll(/first: (\S+?)[,)]/g)].map((match) => match[1] ?? "");
}

describe("withPageSizes", () => {
  test("a literal stays; a variable becomes its value; absent or null is the default page", () => {
    expect(pageSizes("{ viewer { subnets(first: 7) { edges { cursor } } } }")).toEqual(["7"]);
    expect(
      pageSizes("query ($n: Int) { viewer { subnets(first: $n) { edges { cursor } } } }", { n: 42 }),
    ).toEqual(["42"]);
    expect(pageSizes("{ viewer { subnets { edges { cursor } } } }")).toEqual(["20"]);
    expect(pageSizes("query ($n: Int) { viewer { subnets(first: $n) { edges { cursor } } } }")).toEqual([
      "20",
    ]);
    expect(
      pageSizes("query ($n: Int = 60) { viewer { subnets(first: $n) { edges { cursor } } } }", { n: null }),
    ).toEqual(["20"]);
  });

  test("a variable's default counts when the variable is not given", () => {
    expect(pageSizes("query ($n: Int = 60) { viewer { subnets(first: $n) { edges { cursor } } } }")).toEqual([
      "60",
    ]);
  });

  test("never more than the largest page, never less than one; nonsense counts as the default", () => {
    expect(pageSizes("{ viewer { subnets(first: 100000) { edges { cursor } } } }")).toEqual(["100"]);
    expect(pageSizes("{ viewer { subnets(first: -5) { edges { cursor } } } }")).toEqual(["1"]);
    expect(
      pageSizes("query ($n: Int) { viewer { subnets(first: $n) { edges { cursor } } } }", { n: "9" }),
    ).toEqual(["20"]);
  });

  test("connections inside fragments get theirs too; other arguments are kept", () => {
    const query = `{ viewer { subnets(after: "c") { edges { node { ...S } } } } }
      fragment S on Subnet { accounts { edges { node { id } } } }`;
    expect(pageSizes(query)).toEqual(["20", "20"]);
    expect(print(parse(query))).toContain('after: "c"');
  });
});

describe("operationCostCheck", () => {
  const limits: QueryLimits = { depth: 100, cost: 1000, aliases: 100, directives: 100, tokens: 10_000 };
  const check = operationCostCheck({ limits, exposeLimits: true }, PAGES);
  const NESTED = `query ($subnets: Int, $accounts: Int) {
    viewer { subnets(first: $subnets) { edges { node { accounts(first: $accounts) { edges { node { id } } } } } } }
  }`;
  const costOf = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
    check(schema, parse(query), operationName, variables);

  test("the page sizes the variables ask for decide: 10 × 10 fits, 100 × 100 is refused", () => {
    expect(costOf(NESTED, { subnets: 10, accounts: 10 })).toBeNull();
    const refusal = costOf(NESTED, { subnets: 100, accounts: 100 });
    expect(refusal?.originalError).toBeInstanceOf(BadUserInputError);
    expect((refusal?.originalError as BadUserInputError | undefined)?.details).toEqual({ limit: "cost" });
    expect(refusal?.message).toContain("an estimated cost over 1000 (GATEWAY_MAX_QUERY_COST)");
  });

  test("without variables, each connection counts its default page: 20 × 20 items is over 1000", () => {
    expect(costOf(NESTED)).not.toBeNull();
  });

  test("only the operation that runs is priced", () => {
    const two = `query Small { viewer { id } } query Big { viewer { subnets(first: 100) { edges { node {
      accounts(first: 100) { edges { node { id } } } } } } } }`;
    expect(costOf(two, {}, "Small")).toBeNull();
    expect(costOf(two, {}, "Big")).not.toBeNull();
    // Which one runs is not known: nothing runs, and the server says so.
    expect(costOf(two)).toBeNull();
  });

  test("one document asked again and again is priced by each request's page sizes, other variables aside", () => {
    // Apollo hands every request of one query the same document object: prices are kept per document.
    const text = `query ($subnets: Int, $accounts: Int, $after: String) {
      viewer { subnets(first: $subnets, after: $after) { edges { node { accounts(first: $accounts) { edges { node { id } } } } } } }
    }`;
    const document = parse(text);
    const priced = (variables: Record<string, unknown>) =>
      check(schema, document, undefined, variables) === null;
    expect(priced({ subnets: 10, accounts: 10 })).toBe(true);
    expect(priced({ subnets: 100, accounts: 100 })).toBe(false);
    expect(priced({ subnets: 10, accounts: 10, after: "x" })).toBe(true);
    expect(priced({ subnets: 10 })).toBe(true); // accounts: the default page, 20
    expect(priced({ subnets: 100 })).toBe(false);
    expect(priced({ subnets: 100, accounts: 100, after: "y" })).toBe(false);
    // Past the number of prices kept, every answer is still the one a fresh document gets.
    const answers = new Set<boolean>();
    for (let size = 1; size <= 100; size++) {
      const fresh = check(schema, parse(text), undefined, { subnets: size, accounts: size }) === null;
      expect(priced({ subnets: size, accounts: size }), `${size} × ${size}`).toBe(fresh);
      answers.add(fresh);
    }
    expect([...answers].sort()).toEqual([false, true]);
  });
});
