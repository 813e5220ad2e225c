import { Command } from "commander";
import { loadConfig } from "../config/config.ts";
import { ConfigError } from "../config/configError.ts";
import { createLogger } from "../logger.ts";
import { startGateway } from "../startGateway.ts";

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
      const stop = async (signal: string) => {
        logger.info({ signal }, "shutting down");
        await gateway.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });
}
