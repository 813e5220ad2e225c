import { ArgsType, Field, Int } from "type-graphql";
import { BadUserInputError } from "../errors/gatewayError.ts";
import type { PageRequest } from "../store/store.ts";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `At most this many (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "A cursor from a previous page's endCursor." })
  after?: string | null;
}

/** Checks `first` and passes the cursor on; the store treats cursors as opaque. */
export function pageRequest({ first, after }: PageArgs): PageRequest {
  if (first !== undefined && first !== null && (first < 1 || first > MAX_PAGE_SIZE)) {
    throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { field: "first" });
  }
  if (after !== undefined && after !== null && (after.length === 0 || after.length > 200)) {
    throw new BadUserInputError("after must be a cursor from a previous page.", { field: "after" });
  }
  return { first: first ?? DEFAULT_PAGE_SIZE, after: after ?? null };
}
