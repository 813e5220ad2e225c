import { buildSchema, GraphQLError, getIntrospectionQuery, parse, specifiedRules, validate } from "graphql";
import { describe, expect, test } from "vitest";
import type { QueryLimits } from "../../config/limitsConfig.ts";
import { BadUserInputError } from "../../errors/gatewayError.ts";
import {
  hideSuggestions,
  isTokenLimitError,
  limitedParseOptions,
  type QueryLimitPolicy,
  queryLimitRefusal,
  queryLimitRules,
} from "./queryLimits.ts";

const schema = buildSchema(`
  type Query { viewer: Tenant! }
  type Tenant { id: ID! name: String! parent: Tenant }
`);

const LIMITS: QueryLimits = { depth: 3, cost: 1000, aliases: 2, directives: 2, tokens: 40 };
const dev: QueryLimitPolicy = { limits: LIMITS, exposeLimits: true };
const production: QueryLimitPolicy = { limits: LIMITS, exposeLimits: false };

/** The `extensions.limit` of each error validation gives `query`, [] when it is valid. */
const refusedFor = (query: string, policy = dev) =>
  validate(schema, parse(query), [...specifiedRules, ...queryLimitRules(policy)]).map((error) => {
    expect(error.message).not.toContain("Syntax Error");
    return error.originalError instanceof BadUserInputError
      ? error.originalError.details.limit
      : error.message;
  });

describe("queryLimitRules", () => {
  test("depth: levels of nested fields, the limit itself allowed", () => {
    expect(refusedFor("{ viewer { parent { id } } }")).toEqual([]);
    expect(refusedFor("{ viewer { parent { parent { id } } } }")).toEqual(["depth"]);
  });

  test("depth: a fragment counts for what it holds, not as a level of its own", () => {
    const fragment = "fragment F on Tenant { parent { id } }";
    expect(refusedFor(`{ viewer { ...F } } ${fragment}`)).toEqual([]);
    expect(refusedFor(`{ viewer { ... on Tenant { parent { id } } } }`)).toEqual([]);
    expect(refusedFor(`{ viewer { parent { ...F } } } ${fragment}`)).toEqual(["depth"]);
  });

  test("depth: introspection's __schema is not counted (the explorer loads the schema with it)", () => {
    expect(refusedFor(getIntrospectionQuery())).toEqual([]);
  });

  test("introspection's lists nested in one another: refused by graphql-js's own rule", () => {
    expect(refusedFor("{ __schema { types { name fields { name args { name } } } } }")).toEqual([]);
    expect(
      refusedFor("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"),
    ).toEqual(["Maximum introspection depth exceeded"]);
  });

  test("aliases and directives: counted over the whole operation, fragments included", () => {
    expect(refusedFor("{ a: viewer { id } b: viewer { id } }")).toEqual([]);
    expect(refusedFor("{ a: viewer { id } b: viewer { id } c: viewer { id } }")).toEqual(["aliases"]);
    expect(refusedFor("{ a: viewer { ...F } } fragment F on Tenant { b: id c: name }")).toEqual(["aliases"]);
    expect(refusedFor("{ viewer { id @include(if: true) name @skip(if: false) } }")).toEqual([]);
    expect(
      refusedFor(
        "{ viewer { id @include(if: true) name @skip(if: false) parent @include(if: true) { id } } }",
      ),
    ).toEqual(["directives"]);
  });

  test("an operation over several limits gets a refusal for each", () => {
    expect(
      refusedFor("{ a: viewer { parent { parent { id } } } b: viewer { id } c: viewer { id } }").sort(),
    ).toEqual(["aliases", "depth"]);
  });
});

describe("queryLimitRefusal", () => {
  test("BAD_USER_INPUT with the limit's name; in dev the message says the limit and its variable", () => {
    const refusal = queryLimitRefusal("depth", dev);
    expect(refusal).toBeInstanceOf(GraphQLError);
    expect(refusal.originalError).toBeInstanceOf(BadUserInputError);
    expect((refusal.originalError as BadUserInputError).code).toBe("BAD_USER_INPUT");
    expect((refusal.originalError as BadUserInputError).details).toEqual({ limit: "depth" });
    expect(refusal.message).toBe(
      "The operation nests fields more than 3 levels deep (GATEWAY_MAX_QUERY_DEPTH): ask for fewer nested objects, or split it into several operations.",
    );
    expect(refusal.extensions.http).toEqual({ status: 400 });
  });

  test.each(["depth", "cost", "aliases", "directives", "tokens"] as const)(
    "%s: in production the message reveals neither the limit nor the variable",
    (kind) => {
      const exposed = queryLimitRefusal(kind, { ...dev, limits: { ...LIMITS, [kind]: 987 } }).message;
      const hidden = queryLimitRefusal(kind, { ...production, limits: { ...LIMITS, [kind]: 987 } }).message;
      expect(exposed).toContain("987");
      expect(exposed).toContain("GATEWAY_MAX_QUERY_");
      expect(hidden).not.toMatch(/\d/);
      expect(hidden).not.toContain("GATEWAY_");
      expect(hidden).toMatch(/^The operation .+: .+\.$/);
    },
  );
});

describe("tokens and suggestions", () => {
  test("graphql-js stops at the token limit, with an error isTokenLimitError knows", () => {
    const query = `{ viewer { ${"id ".repeat(50)} } }`;
    let error: unknown;
    try {
      parse(query, limitedParseOptions(LIMITS));
    } catch (thrown) {
      error = thrown;
    }
    expect(isTokenLimitError(error)).toBe(true);
    expect(() => parse("{ viewer { id } }", limitedParseOptions(LIMITS))).not.toThrow();
    expect(isTokenLimitError(new GraphQLError("Syntax Error: Expected Name, found <EOF>."))).toBe(false);
  });

  test("hideSuggestions drops graphql-js's hint and keeps the rest", () => {
    const [error] = validate(schema, parse("{ viewer { nam } }"));
    expect(error?.message).toContain('Did you mean "name"?');
    expect(hideSuggestions(error?.message ?? "")).toBe('Cannot query field "nam" on type "Tenant".');
  });
});
