import type { ChildServer } from "./childServer.ts";
import type { GatewayInfo } from "./gatewayChild.ts";
import { assertAnswers, combineRounds, type LoadTestResult, loadTest } from "./loadTest.ts";

export interface QueryRateParameters {
  gateway: { url: string; apiKey: string; accountId: string };
  helloWorldUrl: string;
  connections: number;
  warmupSeconds: number;
  /** Each round runs the baseline, then the gateway, for roundSeconds each: drift on a noisy machine hits both alike. */
  rounds: number;
  roundSeconds: number;
  /** Profiles the gateway process during its last round into this .cpuprofile. */
  profile?: { gateway: ChildServer<GatewayInfo>; path: string };
}

export interface QueryRateResult {
  gateway: LoadTestResult;
  helloWorld: LoadTestResult;
  /** gateway req/s ÷ hello-world req/s. */
  ratio: number;
}

/**
 * (1) req/s of `{ account(id) { balance } }` through the whole gateway (auth, store, DataLoader,
 * refchain adapter) against `{ hello }` on a bare Apollo Server, same generator, same connections.
 */
export async function measureQueryRate(parameters: QueryRateParameters): Promise<QueryRateResult> {
  const { connections } = parameters;
  const gatewayLoad = {
    url: parameters.gateway.url,
    headers: { authorization: `Bearer ${parameters.gateway.apiKey}` },
    body: JSON.stringify({ query: `{ account(id: "${parameters.gateway.accountId}") { balance } }` }),
  };
  const helloLoad = { url: parameters.helloWorldUrl, body: JSON.stringify({ query: "{ hello }" }) };

  for (const load of [helloLoad, gatewayLoad]) {
    await assertAnswers(load);
    await loadTest({ ...load, connections, seconds: parameters.warmupSeconds });
  }
  const gatewayRounds: LoadTestResult[] = [];
  const helloRounds: LoadTestResult[] = [];
  for (let round = 0; round < parameters.rounds; round++) {
    helloRounds.push(await loadTest({ ...helloLoad, connections, seconds: parameters.roundSeconds }));
    const profiled = parameters.profile && round === parameters.rounds - 1 ? parameters.profile : undefined;
    await profiled?.gateway.call("profile:start");
    gatewayRounds.push(await loadTest({ ...gatewayLoad, connections, seconds: parameters.roundSeconds }));
    await profiled?.gateway.call("profile:stop", profiled.path);
  }
  const gateway = combineRounds(gatewayRounds);
  const helloWorld = combineRounds(helloRounds);
  return { gateway, helloWorld, ratio: gateway.okPerSecond / helloWorld.okPerSecond };
}
