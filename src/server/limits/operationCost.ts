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

  return (schema, document, operationName, variables) => {
    const operation = getOperationAST(document, operationName);
    // No operation to run: the server answers that on its own, and nothing runs.
    if (!operation) return null;
    const priced = withPageSizes(schema, operation, document, variables ?? {}, pageSizes);
    return validate(schema, priced, costRules)[0] ?? null;
  };
}

/** The operation (with the fragments) with `first` of every connection as the number of items it asks for. */
export function withPageSizes(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>>,
  pageSizes: PageSizes,
): DocumentNode {
  const defaults = new Map(
    (operation.variableDefinitions ?? []).map((definition) => [
      definition.variable.name.value,
      definition.defaultValue,
    ]),
  );
  const pageSize = (value: ValueNode | undefined): number => {
    let size: unknown = null;
    if (value?.kind === Kind.INT) size = Number(value.value);
    else if (value?.kind === Kind.VARIABLE) {
      const name = value.name.value;
      const fallback = defaults.get(name);
      // An explicit null is null (the default page size), as graphql-js coerces it.
      if (name in variables) size = variables[name];
      else if (fallback?.kind === Kind.INT) size = Number(fallback.value);
    }
    if (typeof size !== "number" || !Number.isSafeInteger(size)) return pageSizes.default;
    return Math.min(Math.max(size, 1), pageSizes.max);
  };

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
          value: { kind: Kind.INT, value: String(pageSize(given?.value)) },
        };
        // armor reads the first `first` or `last` it meets: put the page size first.
        const others = (node.arguments ?? []).filter((argument) => argument !== given);
        return { ...node, arguments: [first, ...others] };
      },
    }),
  );
}
