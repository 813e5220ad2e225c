import { Connection } from "../../graphql/connection.ts";
import { Tenant } from "./tenant.type.ts";

export const TenantConnection = Connection("Tenant", Tenant);
