import { Connection } from "../../graphql/connection.ts";
import { Payment } from "./payment.type.ts";

export const PaymentConnection = Connection("Payment", Payment);
