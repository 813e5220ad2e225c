import autocannon from "autocannon";

export interface LoadTestParameters {
  /** One endpoint, or several (replicas): connection i goes to url[i % length], round-robin. */
  url: string | readonly string[];
  connections: number;
  seconds: number;
  /** A fixed request (method POST, JSON). */
  body?: string;
  headers?: Record<string, string>;
  /**
   * A new request each time instead of `body`: unique keys, rotating senders. `context` belongs to the
   * connection (one request in flight on it at a time): what is put there is there in onResponse.
   */
  nextRequest?: (context: Record<string, unknown>) => { body: string; headers?: Record<string, string> };
  /** Sees every response body (status 200 included: GraphQL errors come with 200). */
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  /** Requests per second across all connections; unlimited when absent. */
  overallRate?: number;
}

export interface LoadTestResult {
  /** Responses with status 2xx and no GraphQL `errors`, per second of the run. */
  okPerSecond: number;
  ok: number;
  /** Responses that were not ok (non-2xx, GraphQL errors), connection errors and timeouts. */
  failed: number;
  seconds: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/**
 * One autocannon run against a GraphQL endpoint (POST, JSON), in this process. A response counts as
 * ok only when it is 2xx and has no "errors" member: a GraphQL server answers errors with 200 too.
 */
export async function loadTest(parameters: LoadTestParameters): Promise<LoadTestResult> {
  let ok = 0;
  let failed = 0;
  const { nextRequest, onResponse } = parameters;
  const result = await autocannon({
    // autocannon takes a list of URLs too (its types say string only).
    url: parameters.url as string,
    connections: parameters.connections,
    duration: parameters.seconds,
    overallRate: parameters.overallRate,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", ...parameters.headers },
        body: parameters.body,
        // autocannon calls setupRequest when the key is there at all, undefined or not.
        ...(nextRequest && {
          setupRequest: (request: autocannon.Request, context: object) => {
            const next = nextRequest(context as Record<string, unknown>);
            return { ...request, body: next.body, headers: { ...request.headers, ...next.headers } };
          },
        }),
        onResponse: (status, body, context) => {
          // A GraphQL result with errors has a top-level "errors" member; data never starts with it.
          if (status >= 200 && status < 300 && !body.includes('"errors":')) ok++;
          else failed++;
          onResponse?.(status, body, context as Record<string, unknown>);
        },
      },
    ],
  });
  return {
    okPerSecond: ok / result.duration,
    ok,
    failed: failed + result.errors,
    seconds: result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

/** One request first: a bench that measures error responses measures nothing. */
export async function assertAnswers(load: { url: string; body: string; headers?: Record<string, string> }) {
  const response = await fetch(load.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...load.headers },
    body: load.body,
  });
  const text = await response.text();
  if (!response.ok || text.includes('"errors":'))
    throw new Error(`${load.url} answered ${response.status}: ${text}`);
}

/** Rounds of one load as one result. */
export function combineRounds(rounds: LoadTestResult[]): LoadTestResult {
  const sum = (pick: (r: LoadTestResult) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  const ok = sum((r) => r.ok);
  const seconds = sum((r) => r.seconds);
  return {
    ok,
    failed: sum((r) => r.failed),
    seconds,
    okPerSecond: ok / seconds,
    // Rounds are equally long: the mean of their percentiles is a fair summary.
    latencyP50Ms: sum((r) => r.latencyP50Ms) / rounds.length,
    latencyP99Ms: sum((r) => r.latencyP99Ms) / rounds.length,
  };
}
