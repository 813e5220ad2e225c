import { monotonicFactory } from "ulid";

/** The kinds of entity the gateway names; the prefix tells a reader what an id is (DESIGN.md). */
export type IdPrefix = "ten" | "key" | "sub" | "acc" | "pay" | "vk" | "aud";

// Monotonic ULIDs: ids sort by creation time, even within one millisecond, so the store can page
// by id and a newer object always has a greater id.
const ulid = monotonicFactory();

export const newId = (prefix: IdPrefix): string => `${prefix}_${ulid().toLowerCase()}`;

/** True when `id` has the shape of an id of this kind (a cheap check before any lookup). */
export const isId = (prefix: IdPrefix, id: string): boolean =>
  /^[a-z]{2,3}_[0-9a-hjkmnp-tv-z]{26}$/.test(id) && id.startsWith(`${prefix}_`);
