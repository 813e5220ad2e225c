import { Connection } from "../../graphql/connection.ts";
import { Subnet } from "./subnet.type.ts";

export const SubnetConnection = Connection("Subnet", Subnet);
