import { ApolloArmor } from "@escape.tech/graphql-armor";
import {
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  type ValueNode,
  validate,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { type QueryLimitPolicy, queryLimitRefusal } from "./queryLimits.ts";

/** A connection's page: `first` when absent or null, and the most `first` may be (src/graphql/pageArgs.ts). */
export interface PageSizes {
  default: number;
  max: number;
}

/** Checks the cost of the operation a request runs; returns the refusal when it is over the limit. */
export type OperationCostCheck = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
) => GraphQLError | null;

/**
 * The cost of an operation is the most fields its response can hold: graphql-armor's estimate with
 * every field 1, no extra weight per level, and a connection's fields times its page size. Armor
 * multiplies only by a literal `first`, so a page size passed as a variable, or left to the default,
 * would count as one item: here every connection's `first` is made a literal first, the variable's
 * value (or its default), the gateway's default page size when absent, and never more than the
 * largest page the gateway serves. Runs once the variables are known (Apollo's didResolveOperation,
 * graphql-ws's onSubscribe), before anything executes.
 */
export function operationCostCheck(policy: QueryLimitPolicy, pageSizes: PageSizes): OperationCostCheck {
  const costRules = new ApolloArmor({
    costLimit: {
      maxCost: policy.limits.cost,
      objectCost: 1,
      scalarCost: 1,
      depthCostFactor: 1,
      flattenFragments: true,
      ignoreIntrospection: true,
      exposeLimits: false,
      propagateOnRejection: false,
      onReject: [(context) => context?.reportError(queryLimitRefusal("cost", policy))],
    },
    maxDepth: { enabled: false },
    maxAliases: { enabled: false },
    maxDirectives: { enabled: false },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect().validationRules;

  // Pricing an operation walks it twice (page sizes, then armor's rules): a fixed cost on every
  // request that would be most of what the limits cost. An operation's cost depends only on its
  // document and the page sizes its variables give, and Apollo hands every request of one query
  // the same cached document: the answer is kept per document, operation and page sizes.
  const priced = new WeakMap<DocumentNode, Map<string, PricedOperation>>();
  return (schema, document, operationName, variables) => {
    const operation = getOperationAST(document, operationName);
    // No operation to run: the server answers that on its own, and nothing runs.
    if (!operation) return null;
    let byName = priced.get(document);
    if (byName === undefined) {
      byName = new Map();
      priced.set(document, byName);
    }
    const name = operationName ?? "";
    let pricedOperation = byName.get(name);
    if (pricedOperation === undefined) {
      pricedOperation = { pageVariables: pageVariablesOf(operation, document), refusals: new Map() };
      byName.set(name, pricedOperation);
    }
    const given = variables ?? {};
    const key = pricedOperation.pageVariables
      .map((variable) => pageSizeOf(variableNode(variable), operation, given, pageSizes))
      .join(",");
    const known = pricedOperation.refusals.get(key);
    if (known !== undefined) return known;
    const refusal =
      validate(schema, withPageSizes(schema, operation, document, given, pageSizes), costRules)[0] ?? null;
    // Page sizes are 1…max per variable: a client cycling through them cannot grow this without bound.
    if (pricedOperation.refusals.size >= MAX_PRICES_PER_OPERATION) pricedOperation.refusals.clear();
    pricedOperation.refusals.set(key, refusal);
    return refusal;
  };
}

/** How many page-size combinations of one operation keep their price. */
const MAX_PRICES_PER_OPERATION = 64;

/** What is known of one operation of one document: which variables are page sizes, and prices by them. */
interface PricedOperation {
  /** Variables passed as some field's `first` (every such argument, connection or not: a key needs no more). */
  pageVariables: string[];
  /** The refusal (or null) by the page sizes of pageVariables, comma-separated. */
  refusals: Map<string, GraphQLError | null>;
}

function pageVariablesOf(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const names = new Set<string>();
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  visit(
    { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] },
    {
      Argument(node) {
        if (node.name.value === "first" && node.value.kind === Kind.VARIABLE)
          names.add(node.value.name.value);
      },
    },
  );
  return [...names];
}

const variableNode = (name: string): ValueNode => ({
  kind: Kind.VARIABLE,
  name: { kind: Kind.NAME, value: name },
});

/**
 * The number of items a `first` argument asks for: a literal, or the variable's value (or its default),
 * the default page size when absent, null or not a whole number, and never more than the largest page.
 */
function pageSizeOf(
  value: ValueNode | undefined,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  pageSizes: PageSizes,
): number {
  let size: unknown = null;
  if (value?.kind === Kind.INT) size = Number(value.value);
  else if (value?.kind === Kind.VARIABLE) {
    const name = value.name.value;
    const fallback = operation.variableDefinitions?.find(
      (definition) => definition.variable.name.value === name,
    )?.defaultValue;
    // An explicit null is null (the default page size), as graphql-js coerces it.
    if (name in variables) size = variables[name];
    else if (fallback?.kind === Kind.INT) size = Number(fallback.value);
  }
  if (typeof size !== "number" || !Number.isSafeInteger(size)) return pageSizes.default;
  return Math.min(Math.max(size, 1), pageSizes.max);
}

/** The operation (with the fragments) with `first` of every connection as the number of items it asks for. */
export function withPageSizes(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>>,
  pageSizes: PageSizes,
): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  const whole: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] };
  return visit(
    whole,
    visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        if (!typeInfo.getFieldDef()?.args.some((argument) => argument.name === "first")) return undefined;
        const given = node.arguments?.find((argument) => argument.name.value === "first");
        const first: ArgumentNode = {
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: "first" },
          value: { kind: Kind.INT, value: String(pageSizeOf(given?.value, operation, variables, pageSizes)) },
        };
        // armor reads the first `first` or `last` it meets: put the page size first.
        const others = (node.arguments ?? []).filter((argument) => argument !== given);
        return { ...node, arguments: [first, ...others] };
      },
    }),
  );
}
