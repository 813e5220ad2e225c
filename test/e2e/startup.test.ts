import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { codesOf } from "./support/graphqlTestClient.ts";
import { createAccount, createSubnet } from "./support/scenario.ts";
import { startTestGateway } from "./support/testGateway.ts";

test("a wrong master key fails start-up with a message that says so, and changes nothing", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gateway-master-"));
  try {
    const first = await startTestGateway({ DATA_DIR: dataDir });
    const tenant = await first.newTenant();
    await createAccount(tenant, (await createSubnet(tenant)).id); // a MANAGED key in the vault
    await first.close({ keepData: true });

    const keysFile = join(dataDir, "dev-keys.json");
    const keys = readFileSync(keysFile, "utf8");
    await expect(
      startTestGateway({ DATA_DIR: dataDir, GATEWAY_MASTER_KEY: "ab".repeat(32) }),
    ).rejects.toThrow(/GATEWAY_MASTER_KEY does not open the keys/);
    expect(readFileSync(keysFile, "utf8")).toBe(keys);

    // With the right key it starts again, and the tenant's key still works.
    const again = await startTestGateway({ DATA_DIR: dataDir });
    expect(await viewerId(again.gateway.url, tenant.apiKey)).toBe(tenant.tenantId);
    await again.close({ keepData: true });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function viewerId(url: string, apiKey: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: "{ viewer { id } }" }),
  });
  return ((await response.json()) as { data: { viewer: { id: string } } }).data.viewer.id;
}

test("an unexpected fault is masked as INTERNAL_SERVER_ERROR with a request id, never its details", async () => {
  const gateway = await startTestGateway();
  try {
    const tenant = await gateway.newTenant();
    // The fault: the store goes away under the running gateway (a disk gone, say). Caused for real.
    await gateway.gateway.services.store.close();
    const response = await tenant.request("{ viewer { id name } }");
    expect(codesOf(response)).toEqual(["INTERNAL_SERVER_ERROR"]);
    const error = response.errors?.[0];
    expect(typeof error?.extensions?.requestId).toBe("string");
    expect(error?.message).not.toMatch(/sqlite|database|closed|\.ts/i);
  } finally {
    await gateway.close();
  }
});

test("NODE_ENV=production refuses generated keys, naming what to set", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gateway-prod-"));
  try {
    writeFileSync(join(dataDir, "marker"), "");
    await expect(startTestGateway({ DATA_DIR: dataDir, NODE_ENV: "production" })).rejects.toThrow(
      /GATEWAY_ADMIN_KEY.*GATEWAY_MASTER_KEY/s,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
