import { DOCUMENTED_ERROR_CODES } from "./documentedErrorCodes.ts";
import type { RawResponse } from "./rawHttp.ts";

/** A GraphQL error as it arrives: anything, until checked. */
type UncheckedError = unknown;

/**
 * What is wrong with a list of GraphQL errors: an error that is not an object with a message, one
 * without extensions.code, or with a code outside the documented list (INTERNAL_SERVER_ERROR above all).
 */
export function errorProblems(errors: readonly UncheckedError[]): string[] {
  const problems: string[] = [];
  for (const error of errors) {
    if (typeof error !== "object" || error === null) {
      problems.push(`an error that is not an object: ${JSON.stringify(error)}`);
      continue;
    }
    const { message, extensions } = error as { message?: unknown; extensions?: { code?: unknown } };
    const code = extensions?.code;
    if (typeof message !== "string" || message.length === 0) {
      problems.push(`an error without a message: ${JSON.stringify(error)}`);
    }
    if (typeof code !== "string" || !DOCUMENTED_ERROR_CODES.has(code)) {
      problems.push(
        `an error with code ${JSON.stringify(code)}, not a documented one: ${JSON.stringify(error)}`,
      );
    }
  }
  return problems;
}

/** The GraphQL errors of an answer, when its body is a GraphQL response. */
export function graphqlErrorsOf(response: RawResponse): UncheckedError[] {
  const body = response.json;
  if (typeof body !== "object" || body === null || !("errors" in body)) return [];
  const { errors } = body as { errors: unknown };
  return Array.isArray(errors) ? errors : [errors];
}

/**
 * What is wrong with an HTTP answer: a 5xx status, or a GraphQL error with an undocumented code.
 * A body that is no GraphQL response (fastify refusing a body it cannot parse, say) is judged by its
 * status alone.
 */
export function answerProblems(response: RawResponse): string[] {
  const problems = response.status >= 500 ? [`HTTP ${response.status}: ${response.text.slice(0, 500)}`] : [];
  return [...problems, ...errorProblems(graphqlErrorsOf(response))];
}
