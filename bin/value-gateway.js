#!/usr/bin/env node
import { fileURLToPath } from "node:url";
// The `value-gateway` command. Plain JavaScript so that it runs straight from an install: it
// registers tsx, then loads the TypeScript commands.
import { Command } from "commander";
import { register } from "tsx/esm/api";

// The project's tsconfig (decorators for type-graphql), whatever directory the command runs from.
register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });

// Top-level commands: the module that defines each and the function it exports returning a
// commander Command. Add the gateway's own (`start`, from src/) here, one line each.
const commands = [
  { module: "../src/cli/startCommand.ts", create: "startCommand" },
  { module: "../src/cli/vaultCommand.ts", create: "vaultCommand" },
  { module: "../adapters/refchain/cli.ts", create: "refchainCommand" },
];

const program = new Command("value-gateway")
  .description("One GraphQL API to move value over any ledger: refchain, EVM, Solana.")
  .showHelpAfterError();
for (const { module, create } of commands) {
  const loaded = await import(new URL(module, import.meta.url).href);
  program.addCommand(loaded[create]());
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`value-gateway: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
