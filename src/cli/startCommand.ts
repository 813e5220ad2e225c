import { Command } from "commander";
import { loadConfig } from "../config/config.ts";
import { ConfigError } from "../config/configError.ts";
import { createLogger } from "../logger.ts";
import { startGateway } from "../startGateway.ts";

/**
 * The longest a shutdown may take: the HTTP drain (at most 10 s, then open connections are cut), the
 * trackers' current block, the chains and the store.
 */
const SHUTDOWN_DEADLINE_MS = 30_000;

/** `value-gateway start`: the gateway with the configuration from the environment (DESIGN.md). */
export function startCommand(): Command {
  return new Command("start")
    .description(
      "run the gateway: GraphQL over HTTP and WebSocket, explorer at /graphql (configured by environment variables)",
    )
    .action(async () => {
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig();
      } catch (error) {
        if (error instanceof ConfigError) {
          console.error(`value-gateway: cannot start.\n${error.message}`);
          process.exit(2);
        }
        throw error;
      }
      const logger = createLogger();
      const gateway = await startGateway(config, logger).catch((error: unknown) => {
        console.error(
          `value-gateway: cannot start: ${error instanceof Error ? error.message : String(error)}`,
        );
        process.exit(1);
      });
      const lines = [
        "",
        `  value-gateway is running on ${gateway.services.chains
          .list()
          .map((chain) => chain.description.id)
          .join(", ")}`,
        `  GraphQL + explorer:  ${gateway.url}`,
        `  subscriptions:       ${gateway.wsUrl}  (graphql-ws)`,
      ];
      if (!config.production) {
        lines.push(
          `  admin key:           ${config.adminKey}`,
          `  dev tenant API key:  ${config.devTenantApiKey}   (tenant ${gateway.devTenantId})`,
          `  (dev keys are kept in ${config.devKeysFile}; set NODE_ENV=production to refuse them)`,
        );
      }
      console.log(`${lines.join("\n")}\n`);
      // The first signal drains (RunningGateway.close: stop accepting, finish in-flight HTTP requests
      // within the drain timeout, close sockets with 1001, stop trackers, chains and the store) and
      // exits 0. A second signal, or a drain that hangs, exits at once with 1: nothing is lost either
      // way, since every payment is committed with its signed bytes before it is broadcast and the
      // next start reconciles what was open.
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) {
          logger.warn({ signal }, "second signal while shutting down: exiting now");
          process.exit(1);
        }
        stopping = true;
        logger.info({ signal }, "shutting down: draining requests");
        const deadline = setTimeout(() => {
          logger.error({ afterMs: SHUTDOWN_DEADLINE_MS }, "shutdown did not finish in time: exiting now");
          process.exit(1);
        }, SHUTDOWN_DEADLINE_MS);
        deadline.unref();
        await gateway.close();
        logger.info("stopped");
        process.exit(0);
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
    });
}
