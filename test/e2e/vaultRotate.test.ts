import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/openSqliteStore.ts";
import type { VaultKeyRecord } from "../../src/store/store.ts";
import { openBox } from "../../src/vault/sealedBox.ts";
import { Vault, vaultKeyAad } from "../../src/vault/vault.ts";
import {
  commandEnv,
  type GatewayExit,
  type GatewayProcess,
  PROJECT_ROOT,
  startGatewayProcess,
  VALUE_GATEWAY_BIN,
} from "./support/gatewayProcess.ts";
import { eventually, GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { baseUnits, createAccount, createSubnet, FUND, send } from "./support/scenario.ts";

// `value-gateway vault rotate` as an operator runs it: a child process on a stopped gateway's
// DATA_DIR, killed with SIGKILL part-way (at a point its test hook makes known), then run again.

const TENANTS = 3;
const ACCOUNTS_PER_TENANT = 2;
const PAUSE_AFTER = 2;
// Each test runs several Node processes (gateways and the command) one after another.
const TEST_TIMEOUT_MS = 120_000;

interface RotateProcess {
  child: ChildProcess;
  exited: Promise<GatewayExit>;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches `pattern`; rejects (with the output) if the process ends first. */
  printed(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** `value-gateway vault rotate` as a child process with exactly `env` (plus PATH and the like). */
function vaultRotate(env: Record<string, string>): RotateProcess {
  const child = spawn(process.execPath, [VALUE_GATEWAY_BIN, "vault", "rotate"], {
    cwd: PROJECT_ROOT,
    env: commandEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const exited = new Promise<GatewayExit>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const printed = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(stdout)) return;
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve();
      };
      const timer = setTimeout(
        () => reject(new Error(`printed no ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`)),
        timeoutMs,
      );
      child.stdout.on("data", check);
      void exited.then((exit) => {
        clearTimeout(timer);
        if (!pattern.test(stdout))
          reject(
            new Error(`exited (${JSON.stringify(exit)}) before printing ${pattern}:\n${stdout}\n${stderr}`),
          );
      });
      check();
    });
  return { child, exited, stdout: () => stdout, stderr: () => stderr, printed };
}

const hexKey = () => randomBytes(32).toString("hex");
const bytesOf = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));

/** Every vault key in DATA_DIR's store, and the rotation it records (read with the gateway stopped). */
async function readVault(dataDir: string) {
  const store = await openSqliteStore({ path: join(dataDir, "gateway.db") });
  try {
    return { keys: await store.listVaultKeys(null, 10_000), rotation: await store.getVaultRotation() };
  } finally {
    await store.close();
  }
}

/** Which of the two master keys opens each key: exactly one must, at every instant. */
function sealedUnder(keys: VaultKeyRecord[], oldHex: string, newHex: string): string[] {
  return keys.map((key) => {
    const aad = vaultKeyAad(key.id, key.scheme);
    const underOld = openBox(bytesOf(oldHex), key.sealed, aad) !== null;
    const underNew = openBox(bytesOf(newHex), key.sealed, aad) !== null;
    return underOld && underNew ? "both" : underOld ? "old" : underNew ? "new" : "neither";
  });
}

const count = (items: string[], value: string) => items.filter((item) => item === value).length;

describe("value-gateway vault rotate", () => {
  const gateways: GatewayProcess[] = [];
  const children: ChildProcess[] = [];
  const dataDirs: string[] = [];
  afterEach(async () => {
    for (const gateway of gateways.splice(0)) await gateway.kill("SIGKILL");
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
    for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "vault-rotate-"));
    dataDirs.push(dir);
    return dir;
  };
  const rotate = (env: Record<string, string>) => {
    const run = vaultRotate(env);
    children.push(run.child);
    return run;
  };
  const startGateway = async (dataDir: string, masterKey: string) => {
    const gateway = await startGatewayProcess({ dataDir, env: { GATEWAY_MASTER_KEY: masterKey } });
    gateways.push(gateway);
    return gateway;
  };

  test(
    "SIGKILL part-way: every key opens under exactly one master key, the gateway refuses to start, the same command finishes, and a payment from an account made before moves funds",
    async () => {
      const dataDir = newDataDir();
      const oldKey = hexKey();
      const newKey = hexKey();

      // --- A gateway with several tenants, each with managed accounts; one account funded.
      const first = await startGateway(dataDir, oldKey);
      const admin = new GraphQLTestClient(first.url, first.wsUrl, first.adminKey);
      const tenants: { apiKey: string; accounts: { id: string; address: string }[]; decimals: number }[] = [];
      for (let t = 0; t < TENANTS; t++) {
        const { createTenant } = await admin.data<{ createTenant: { apiKey: string } }>(
          "mutation ($name: String!) { createTenant(input: { name: $name }) { apiKey } }",
          { name: `rotation ${t}` },
        );
        const client = new GraphQLTestClient(first.url, first.wsUrl, createTenant.apiKey);
        const subnet = await createSubnet(client);
        const accounts = [];
        for (let a = 0; a < ACCOUNTS_PER_TENANT; a++) {
          const account = await createAccount(client, subnet.id, { label: `account ${a}` });
          expect(account.custody).toBe("MANAGED");
          accounts.push(account);
        }
        tenants.push({ apiKey: createTenant.apiKey, accounts, decimals: subnet.asset.decimals });
      }
      const [payer, payee] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];
      const payerAccount = payer.accounts[0] as { id: string; address: string };
      const payeeAccount = payee.accounts[1] as { id: string; address: string };
      await new GraphQLTestClient(first.url, first.wsUrl, payer.apiKey).data(FUND, {
        accountId: payerAccount.id,
        amount: "100",
      });
      expect(await first.kill("SIGTERM")).toEqual({ code: 0, signal: null });

      const before = await readVault(dataDir);
      const total = before.keys.length;
      expect(total).toBeGreaterThanOrEqual(TENANTS * ACCOUNTS_PER_TENANT);
      expect(sealedUnder(before.keys, oldKey, newKey)).toEqual(Array(total).fill("old"));

      // --- The rotation, killed with SIGKILL once PAUSE_AFTER keys are re-encrypted.
      const env = { DATA_DIR: dataDir, GATEWAY_MASTER_KEY: oldKey, GATEWAY_NEW_MASTER_KEY: newKey };
      const crashed = rotate({ ...env, VAULT_ROTATE_TEST_PAUSE_AFTER: String(PAUSE_AFTER) });
      await crashed.printed(new RegExp(`paused after ${PAUSE_AFTER} keys re-encrypted`));
      expect(crashed.stdout()).toMatch(/run the same command again with the same two variables/);
      crashed.child.kill("SIGKILL");
      expect(await crashed.exited).toEqual({ code: null, signal: "SIGKILL" });

      const mid = await readVault(dataDir);
      expect(mid.keys.map((key) => key.id)).toEqual(before.keys.map((key) => key.id));
      const midUnder = sealedUnder(mid.keys, oldKey, newKey);
      expect(count(midUnder, "new")).toBe(PAUSE_AFTER);
      expect(count(midUnder, "old")).toBe(total - PAUSE_AFTER);
      expect(mid.rotation).not.toBeNull();

      // --- Half done, the gateway starts under neither key, and says how to finish.
      for (const masterKey of [oldKey, newKey]) {
        const refused = await startGateway(dataDir, masterKey).then(
          () => expect.unreachable("the gateway started mid-rotation"),
          (error: unknown) => String(error),
        );
        expect(refused).toMatch(/cannot start: A master key rotation started at \S+ is not finished/);
        expect(refused).toMatch(
          /running `value-gateway vault rotate`\s+again with GATEWAY_MASTER_KEY set to the old key/,
        );
      }

      // --- The same command again finishes.
      const finish = rotate(env);
      const finished = await finish.exited;
      expect(finished, `${finish.stdout()}\n${finish.stderr()}`).toEqual({ code: 0, signal: null });
      expect(finish.stdout()).toMatch(/Continuing the rotation started at/);
      expect(finish.stdout()).toContain(
        `Done: ${total - PAUSE_AFTER} keys re-encrypted, ${PAUSE_AFTER} were already. ` +
          "Now set GATEWAY_MASTER_KEY to the new key and unset GATEWAY_NEW_MASTER_KEY",
      );
      const after = await readVault(dataDir);
      expect(sealedUnder(after.keys, oldKey, newKey)).toEqual(Array(total).fill("new"));
      expect(after.rotation).toBeNull();
      expect(after.keys.map(({ sealed: _, ...rest }) => rest)).toEqual(
        before.keys.map(({ sealed: _, ...rest }) => rest),
      );

      // --- The old key no longer starts it; the new key does, and a pre-existing account pays.
      const withOldKey = await startGateway(dataDir, oldKey).then(
        () => expect.unreachable("the gateway started under the old master key"),
        (error: unknown) => String(error),
      );
      expect(withOldKey).toMatch(/GATEWAY_MASTER_KEY does not open the keys/);

      const second = await startGateway(dataDir, newKey);
      const payerClient = new GraphQLTestClient(second.url, second.wsUrl, payer.apiKey);
      const payeeClient = new GraphQLTestClient(second.url, second.wsUrl, payee.apiKey);
      const balance = async (client: GraphQLTestClient, id: string) =>
        baseUnits(
          (
            await client.data<{ account: { balance: string } }>(
              "query ($id: ID!) { account(id: $id) { balance } }",
              { id },
            )
          ).account.balance,
          payer.decimals,
        );
      const payerBefore = await balance(payerClient, payerAccount.id);
      const payeeBefore = await balance(payeeClient, payeeAccount.id);
      expect(payerBefore).toBe(baseUnits("100", payer.decimals));

      const sent = await send(payerClient, {
        fromAccountId: payerAccount.id,
        to: { address: payeeAccount.address },
        amount: "12.5",
        idempotencyKey: "after-rotation",
      });
      expect(sent.errors, second.output()).toBeUndefined();
      const paymentId = sent.data?.sendPayment.payment.id as string;
      await eventually(async () => {
        const { payment } = await payerClient.data<{ payment: { status: string } }>(
          "query ($id: ID!) { payment(id: $id) { status } }",
          { id: paymentId },
        );
        expect(payment.status).not.toBe("FAILED");
        return payment.status === "FINALIZED" ? payment : undefined;
      });
      const amount = baseUnits("12.5", payer.decimals);
      expect(await balance(payeeClient, payeeAccount.id)).toBe(payeeBefore + amount);
      expect(await balance(payerClient, payerAccount.id)).toBeLessThanOrEqual(payerBefore - amount);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "Ctrl-C part-way stops between keys and says how to finish; the command refuses bad variables",
    async () => {
      const dataDir = newDataDir();
      const oldKey = hexKey();
      const newKey = hexKey();
      const store = await openSqliteStore({ path: join(dataDir, "gateway.db") });
      try {
        const vault = await Vault.open(store, bytesOf(oldKey));
        for (let i = 0; i < 4; i++) await vault.createKey("ed25519");
      } finally {
        await store.close();
      }
      const env = { DATA_DIR: dataDir, GATEWAY_MASTER_KEY: oldKey, GATEWAY_NEW_MASTER_KEY: newKey };

      const interrupted = rotate({ ...env, VAULT_ROTATE_TEST_PAUSE_AFTER: "1" });
      await interrupted.printed(/paused after 1 keys re-encrypted/);
      interrupted.child.kill("SIGINT");
      expect(await interrupted.exited).toEqual({ code: 130, signal: null });
      expect(interrupted.stderr()).toMatch(/rotation interrupted after 1 keys re-encrypted, 0 already were/);
      expect(interrupted.stderr()).toMatch(
        /Nothing is lost.*run `value-gateway vault rotate` again with the same GATEWAY_MASTER_KEY and GATEWAY_NEW_MASTER_KEY/s,
      );
      const mid = await readVault(dataDir);
      expect(sealedUnder(mid.keys, oldKey, newKey).sort()).toEqual(["new", "old", "old", "old"]);

      // A third key is refused while this rotation is half done: it would leave keys under three.
      const third = rotate({ ...env, GATEWAY_NEW_MASTER_KEY: hexKey() });
      expect((await third.exited).code).toBe(1);
      expect(third.stderr()).toMatch(/with other keys is not finished/);

      const refusals: [Record<string, string>, RegExp][] = [
        [
          { DATA_DIR: dataDir, GATEWAY_MASTER_KEY: oldKey },
          /set GATEWAY_NEW_MASTER_KEY to the new master key/,
        ],
        [
          { ...env, GATEWAY_NEW_MASTER_KEY: oldKey },
          /GATEWAY_NEW_MASTER_KEY is the same as GATEWAY_MASTER_KEY/,
        ],
        [{ ...env, GATEWAY_NEW_MASTER_KEY: "abc" }, /GATEWAY_NEW_MASTER_KEY must be 64 hex characters/],
        [{ ...env, DATA_DIR: join(dataDir, "elsewhere") }, /there is no store at .*gateway\.db/],
      ];
      for (const [refusedEnv, message] of refusals) {
        const refused = rotate(refusedEnv);
        expect((await refused.exited).code, refused.stderr()).toBe(2);
        expect(refused.stderr()).toMatch(message);
      }
      expect(sealedUnder((await readVault(dataDir)).keys, oldKey, newKey)).toEqual(
        sealedUnder(mid.keys, oldKey, newKey),
      );

      const finish = rotate(env);
      expect((await finish.exited).code, finish.stderr()).toBe(0);
      expect(finish.stdout()).toContain("Done: 3 keys re-encrypted, 1 were already.");
      expect(sealedUnder((await readVault(dataDir)).keys, oldKey, newKey)).toEqual(Array(4).fill("new"));
    },
    TEST_TIMEOUT_MS,
  );
});
