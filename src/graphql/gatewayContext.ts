import type { Caller } from "../auth/caller.ts";
import type { Logger } from "../logger.ts";
import type { Services } from "../services.ts";
import type { Loaders } from "./loaders.ts";

/** What every resolver gets: who is calling, per-request DataLoaders, the (global) services. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
  logger: Logger;
  services: Services;
  loaders: Loaders;
}
