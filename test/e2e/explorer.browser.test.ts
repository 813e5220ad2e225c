import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadDevKeys } from "../../src/config/devKeys.ts";
import { buildExplorer } from "../../src/explorer/buildExplorer.ts";
import { eventually, GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { balanceOf, createAccount, createSubnet, FUND, send } from "./support/scenario.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

// The explorer in a real browser: headless Chromium (Debian's, driven by playwright-core) against a
// real gateway. It must run the example query, stream a subscription, and never reach past the gateway.

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** The committed screenshot; rewritten only with UPDATE_EXPLORER_SCREENSHOT=1 (it differs every run). */
const SCREENSHOT = fileURLToPath(new URL("../../docs/explorer.png", import.meta.url));
const VIEWPORT = { width: 1280, height: 800 };

const chromiumMissing = existsSync(CHROMIUM)
  ? null
  : `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`;
if (chromiumMissing) {
  if (process.env.REQUIRE_SERVICES === "1") {
    test("Chromium is installed (REQUIRE_SERVICES=1)", () => {
      throw new Error(chromiumMissing);
    });
  } else {
    console.log(`explorer.browser.test.ts skipped: ${chromiumMissing}`);
  }
}

const EXAMPLE_TAB_TITLES = ["Overview", "CreateSubnet", "SendPayment", "PaymentEvents"];
const isLocal = (url: URL) => ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);

describe.skipIf(chromiumMissing !== null)("the explorer in a browser", () => {
  let gateway: TestGateway;
  let dev: GraphQLTestClient;
  let userDataDir: string;
  let browser: BrowserContext;
  let page: Page;
  /** Every request the page tried to make anywhere but this gateway: it must stay empty. */
  const outside: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    // Built from the current source: the test never runs against a stale bundle.
    await buildExplorer();
    gateway = await startTestGateway();
    const devKey = loadDevKeys(gateway.dataDir, []).keys.tenantApiKey;
    dev = new GraphQLTestClient(gateway.gateway.url, gateway.gateway.wsUrl, devKey);

    userDataDir = mkdtempSync(join(tmpdir(), "vg-chromium-"));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: VIEWPORT,
    });
    await browser.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (isLocal(url)) return route.continue();
      outside.push(url.href);
      return route.abort("blockedbyclient");
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on("websocket", (socket) => {
      if (!isLocal(new URL(socket.url()))) outside.push(socket.url());
    });
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()}`);
    });
    page.on("response", (response) => {
      if (response.status() >= 400) {
        errors.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
      }
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  // Monaco draws what fits: spaces as no-break spaces, long lines wrapped. Compared without whitespace.
  const compact = (text: string | null) => (text ?? "").replace(/\s+/g, "");
  const responseText = async () => compact(await page.locator(".graphiql-response").textContent());
  const openTab = (title: string) => page.locator(".graphiql-tab", { hasText: title }).click();
  const run = () => page.locator(".graphiql-execute-button").click();

  test("GET /graphql opens GraphiQL with the dev key, the example tabs, docs and the query builder", async () => {
    await page.goto(gateway.gateway.url);
    await page.locator(".graphiql-container").waitFor();
    expect(await page.locator(".graphiql-tab").allInnerTexts()).toEqual(EXAMPLE_TAB_TITLES);
    // The headers editor holds the dev tenant's key.
    const headers = page.locator(".graphiql-editor-tool");
    await expect
      .poll(async () => compact(await headers.textContent()))
      .toContain(compact(`"Authorization": "Bearer ${dev.apiKey}"`));

    await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    await page.locator(".graphiql-doc-explorer").getByText("subscription:").waitFor();
    // The query builder lists the fields of the open tab's operation (a query).
    await page.getByRole("button", { name: "Show GraphiQL Explorer" }).click();
    await page.locator(".graphiql-explorer-root").getByText("viewer", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Hide GraphiQL Explorer" }).click();
  });

  test("runs the Overview query and shows the result", async () => {
    await openTab("Overview");
    await run();
    await expect.poll(responseText).toContain(gateway.gateway.devTenantId ?? "no dev tenant");
    const text = await responseText();
    expect(text).toContain('"name":"dev"');
    expect(text).toContain('"id":"refchain:local"');
  });

  test("the PaymentEvents tab streams a payment sent through the API, over graphql-ws", async () => {
    const subnet = await createSubnet(dev);
    const from = await createAccount(dev, subnet.id, { label: "explorer test" });
    await dev.data(FUND, { accountId: from.id, amount: "10" });
    await eventually(async () => ((await balanceOf(dev, from.id)) === "10" ? true : undefined));
    const receiver = await gateway.newTenant("receiver");
    const to = await createAccount(receiver, (await createSubnet(receiver)).id);

    // The payment is sent once the browser's subscribe message is on its way to the gateway.
    const subscribed = new Promise<void>((resolve) =>
      page.on("websocket", (socket) =>
        socket.on("framesent", (frame) => {
          if (String(frame.payload).includes('"type":"subscribe"')) resolve();
        }),
      ),
    );
    // GraphiQL parses a tab's operation 100 ms after switching to it, and a run before that would
    // send the previous tab's: reopening the page instead restores the tab and parses it at once.
    await openTab("PaymentEvents");
    await page.waitForFunction(
      () => JSON.parse(localStorage.getItem("graphiql:tabState") ?? "{}").activeTabIndex === 3,
    );
    await page.reload();
    const editor = page.locator(".graphiql-query-editor");
    await expect
      .poll(async () => compact(await editor.textContent()))
      .toContain("subscriptionPaymentEvents{");
    // Reopened: the same tabs, and the dev key in the headers editor again.
    expect(await page.locator(".graphiql-tab").allInnerTexts()).toEqual(EXAMPLE_TAB_TITLES);
    await expect
      .poll(async () => compact(await page.locator(".graphiql-editor-tool").textContent()))
      .toContain(compact(`"Authorization": "Bearer ${dev.apiKey}"`));
    await run();
    await subscribed;
    const sent = await send(dev, {
      fromAccountId: from.id,
      to: { address: to.address },
      amount: "2.5",
      memo: "seen in the explorer",
      idempotencyKey: "explorer-browser-test",
    });
    const paymentId = sent.data?.sendPayment.payment.id ?? `no payment: ${JSON.stringify(sent.errors)}`;

    // Each event replaces the last in the result pane: the payment ends FINALIZED.
    await expect
      .poll(responseText, { timeout: 30_000 })
      .toMatch(new RegExp(`"type":"FINALIZED".*"id":"${paymentId}"`));
    expect(await responseText()).toContain(compact('"memo": "seen in the explorer"'));
    expect(await page.locator(".graphiql-execute-button").getAttribute("aria-label")).toMatch(/^Stop/);

    // The screenshot: the query builder open next to the live subscription.
    await page.getByRole("button", { name: "Show GraphiQL Explorer" }).click();
    await page.locator(".graphiql-explorer-root").getByText("paymentEvents", { exact: true }).waitFor();
    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([VIEWPORT.width, VIEWPORT.height]);
    if (process.env.UPDATE_EXPLORER_SCREENSHOT === "1") writeFileSync(SCREENSHOT, png);
  });

  test("nothing was requested from anywhere but the gateway, and nothing failed in the page", () => {
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
  });
});
