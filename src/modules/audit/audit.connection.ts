import { Connection } from "../../graphql/connection.ts";
import { AuditEntry } from "./audit.type.ts";

export const AuditEntryConnection = Connection("AuditEntry", AuditEntry);
