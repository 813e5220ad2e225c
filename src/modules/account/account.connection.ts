import { Connection } from "../../graphql/connection.ts";
import { Account } from "./account.type.ts";

export const AccountConnection = Connection("Account", Account);
