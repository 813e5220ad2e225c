import type { ChildServer } from "../gateway/childServer.ts";
import type { GatewayInfo } from "../gateway/gatewayChild.ts";
import type { OtherCpuMeter } from "../gateway/otherCpu.ts";

/** A way of running the gateway, started and ready for load: one process, or replicas and what they share. */
export interface Deployment {
  /** What the table calls it. */
  name: string;
  /** The gateways load and subscribers are spread over; seeding goes through the first. */
  gateways: ChildServer<GatewayInfo>[];
  /** Counts the CPU of the processes besides the gateways (a standalone chain node, PostgreSQL, Redis). */
  otherCpu: OtherCpuMeter;
  /** Stops every process and removes what the deployment made (temp dirs, schema, Redis keys). */
  close(): Promise<void>;
}

/** The environment variables of the gateway a bench child must not inherit from the shell running it. */
export const GATEWAY_VARIABLES_UNSET: Record<string, string> = {
  // An empty variable is unset for the gateway's configuration.
  DATABASE_URL: "",
  REDIS_URL: "",
  REDIS_KEY_PREFIX: "",
  REFCHAIN_URL: "",
  EVM_RPC_URLS: "",
  SOLANA_RPC_URL: "",
  GATEWAY_ADMIN_KEY: "",
  GATEWAY_MASTER_KEY: "",
  NODE_ENV: "",
};
