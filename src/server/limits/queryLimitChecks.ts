import type { ParseOptions, ValidationRule } from "graphql";
import type { QueryLimits } from "../../config/limitsConfig.ts";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../graphql/pageArgs.ts";
import { type OperationCostCheck, operationCostCheck } from "./operationCost.ts";
import { limitedParseOptions, type QueryLimitPolicy, queryLimitRules } from "./queryLimits.ts";

/** Everything that holds an operation to the query limits, for Apollo (HTTP) and graphql-ws alike. */
export interface QueryLimitChecks {
  policy: QueryLimitPolicy;
  /** Counts tokens while parsing (tokens). */
  parseOptions: ParseOptions;
  /** Validation rules beside graphql-js's own (depth, aliases, directives). */
  validationRules: ValidationRule[];
  /** Once the variables are known (cost). */
  cost: OperationCostCheck;
  /** Strip "Did you mean …?" from validation errors: production, where they would name the schema. */
  hideSuggestions: boolean;
}

export function queryLimitChecks(
  limits: QueryLimits,
  { production }: { production: boolean },
): QueryLimitChecks {
  const policy: QueryLimitPolicy = { limits, exposeLimits: !production };
  return {
    policy,
    parseOptions: limitedParseOptions(limits),
    validationRules: queryLimitRules(policy),
    cost: operationCostCheck(policy, { default: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE }),
    hideSuggestions: production,
  };
}
