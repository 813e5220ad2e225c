import { existsSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { type GatewayConfig, GENERATE_MASTER_KEY, isMasterKeyHex, loadConfig } from "../config/config.ts";
import { ConfigError } from "../config/configError.ts";
import { openPostgresStore } from "../store/postgres/openPostgresStore.ts";
import { openSqliteStore } from "../store/sqlite/openSqliteStore.ts";
import type { Store } from "../store/store.ts";
import { MasterKeyRotationError } from "../vault/masterKeyRotationError.ts";
import { type RotationProgress, rotateMasterKey } from "../vault/rotateMasterKey.ts";

const NEW_MASTER_KEY = "GATEWAY_NEW_MASTER_KEY";
const MASTER_KEY = "GATEWAY_MASTER_KEY";

/**
 * Test hook, read by nothing but this command: after this many keys are re-encrypted (one key per
 * batch), print "paused" and wait until killed or interrupted, so a test can crash the rotation
 * at a point it knows (test/e2e/vaultRotate.test.ts). Not for operators.
 */
const TEST_PAUSE_AFTER = "VAULT_ROTATE_TEST_PAUSE_AFTER";

const HOW_TO_FINISH =
  "Nothing is lost: every key opens under one of the two master keys. The gateway will not start until the " +
  `rotation is finished: run \`value-gateway vault rotate\` again with the same ${MASTER_KEY} and ${NEW_MASTER_KEY}.`;

/** `value-gateway vault …`: operations on the vault of managed keys. */
export function vaultCommand(): Command {
  const vault = new Command("vault").description("operations on the vault of managed keys");
  vault
    .command("rotate")
    .description(
      `re-encrypt every managed key under ${NEW_MASTER_KEY} (from ${MASTER_KEY}); stop the gateways first. ` +
        "Configured by the gateway's environment (DATA_DIR or DATABASE_URL); safe to run again after a crash",
    )
    .action(rotateAction);
  return vault;
}

async function rotateAction(): Promise<void> {
  const keys = readMasterKeys(process.env);
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(2, `cannot rotate.\n${error.message}`);
    throw error;
  }
  const store = await openConfiguredStore(config);

  // Ctrl-C (or a stop from a supervisor) ends the rotation between two batches, with what to do next.
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const pauseAfter = Number(process.env[TEST_PAUSE_AFTER] ?? Number.NaN);
  const testPause = Number.isInteger(pauseAfter) && pauseAfter > 0;
  console.log(
    `Re-encrypting the vault's keys under ${NEW_MASTER_KEY}. If this stops before it says it is done ` +
      "(crash, Ctrl-C), nothing is lost: run the same command again with the same two variables.",
  );
  try {
    const underWay = await store.getVaultRotation();
    if (underWay !== null) {
      console.log(`Continuing the rotation started at ${underWay.startedAt.toISOString()}.`);
    }
    const outcome = await rotateMasterKey({
      store,
      currentKey: keys.current,
      newKey: keys.next,
      signal: interrupt.signal,
      ...(testPause ? { batchSize: 1 } : {}),
      afterBatch: async (progress) => {
        console.log(`  ${progressText(progress)}`);
        if (testPause && progress.reencrypted === pauseAfter) {
          console.log(`paused after ${pauseAfter} keys re-encrypted (test hook ${TEST_PAUSE_AFTER})`);
          await untilAborted(interrupt.signal);
        }
      },
    });
    if (outcome.status === "interrupted") {
      console.error(`value-gateway: rotation interrupted after ${progressText(outcome)}.\n${HOW_TO_FINISH}`);
      process.exitCode = 130;
      return;
    }
    const done =
      outcome.status === "empty"
        ? "The vault has no keys: nothing to re-encrypt."
        : `Done: ${outcome.reencrypted} keys re-encrypted, ${outcome.alreadyRotated} were already.`;
    const devKeysNote = config.production
      ? ""
      : ` (${config.devKeysFile ?? "DATA_DIR/dev-keys.json"} may still hold the old master key: ${MASTER_KEY}, when set, wins over it.)`;
    console.log(
      `${done} Now set ${MASTER_KEY} to the new key and unset ${NEW_MASTER_KEY}, then start the gateway.${devKeysNote}`,
    );
  } catch (error) {
    if (error instanceof MasterKeyRotationError) {
      console.error(`value-gateway: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    console.error(
      `value-gateway: the rotation failed: ${error instanceof Error ? error.message : String(error)}\n${HOW_TO_FINISH}`,
    );
    process.exitCode = 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await store.close();
  }
}

/** Both master keys from the environment (never argv: it shows in `ps`), checked; exits with what to set otherwise. */
function readMasterKeys(env: Record<string, string | undefined>): { current: Uint8Array; next: Uint8Array } {
  const problems: string[] = [];
  const read = (name: string, what: string): Uint8Array | null => {
    const value = env[name]?.trim();
    if (!value) {
      problems.push(`set ${name} to ${what}`);
      return null;
    }
    if (!isMasterKeyHex(value)) {
      problems.push(`${name} must be 64 hex characters (32 bytes): ${what}`);
      return null;
    }
    return new Uint8Array(Buffer.from(value, "hex"));
  };
  const current = read(
    MASTER_KEY,
    "the master key the managed keys are sealed under now (64 hex characters)",
  );
  const next = read(
    NEW_MASTER_KEY,
    `the new master key (64 hex characters; generate one with: ${GENERATE_MASTER_KEY})`,
  );
  if (current !== null && next !== null && Buffer.from(current).equals(Buffer.from(next))) {
    problems.push(
      `${NEW_MASTER_KEY} is the same as ${MASTER_KEY}: set it to a new key (${GENERATE_MASTER_KEY})`,
    );
  }
  if (current === null || next === null || problems.length > 0) {
    fail(2, `cannot rotate: ${problems.join("; ")}.`);
  }
  return { current, next };
}

/** The store the gateway with this configuration uses (as startGateway opens it), refusing to create one. */
async function openConfiguredStore(config: GatewayConfig): Promise<Store> {
  if (config.databaseUrl !== null) {
    return openPostgresStore({
      connectionString: config.databaseUrl,
      ...(config.databaseSchema === null ? {} : { schema: config.databaseSchema }),
    });
  }
  const path = join(config.dataDir, "gateway.db");
  if (!existsSync(path)) {
    fail(
      2,
      `cannot rotate: there is no store at ${path}: set DATA_DIR (or DATABASE_URL) as the gateway has it.`,
    );
  }
  return openSqliteStore({ path });
}

function progressText(progress: RotationProgress): string {
  return `${progress.reencrypted} keys re-encrypted, ${progress.alreadyRotated} already were`;
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // The timer keeps the process alive while it waits; a SIGKILL is what a test sends here.
    const timer = setInterval(() => {}, 60_000);
    signal.addEventListener(
      "abort",
      () => {
        clearInterval(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function fail(exitCode: number, message: string): never {
  console.error(`value-gateway: ${message}`);
  process.exit(exitCode);
}
