import { monotonicFactory } from "ulid";

// A factory of its own, monotonic like src/ids.ts: entries made in one millisecond still sort in the
// order they were made, and the audit log pages by id, newest first.
const ulid = monotonicFactory();

/** A new audit entry id, `aud_…`: its order is the order entries were made in. */
export const newAuditEntryId = (): string => `aud_${ulid().toLowerCase()}`;
