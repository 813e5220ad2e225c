// The limits and protections of the GraphQL front (HTTP and graphql-ws), read from the environment.
// loadConfig (config.ts) calls readLimits with its own `read` and `problem`, so these variables are
// checked, and reported, with all the others.

/** What one GraphQL operation may ask for, over HTTP and graphql-ws alike. */
export interface QueryLimits {
  /** GATEWAY_MAX_QUERY_DEPTH: levels of nested fields (fragments count for what they contain). */
  depth: number;
  /**
   * GATEWAY_MAX_QUERY_COST: the most fields the response can hold (graphql-armor's estimate, each
   * connection's fields times its page size).
   */
  cost: number;
  /** GATEWAY_MAX_QUERY_ALIASES: aliased fields in one operation. */
  aliases: number;
  /** GATEWAY_MAX_QUERY_DIRECTIVES: directives in one operation. */
  directives: number;
  /** GATEWAY_MAX_QUERY_TOKENS: lexical tokens of the whole document; the parser stops past it. */
  tokens: number;
}

export interface GatewayLimits {
  query: QueryLimits;
  /** GATEWAY_MAX_BODY_BYTES: the largest HTTP request body, and the largest graphql-ws message. */
  maxBodyBytes: number;
  /**
   * GATEWAY_CORS_ORIGINS: the browser origins allowed to call the API ("*": any). Empty: CORS off,
   * no Access-Control-Allow-Origin header at all.
   */
  corsOrigins: string[];
  /** GATEWAY_WS_INIT_TIMEOUT_MS: a socket that sends no connection_init by then is closed (4408). */
  wsInitTimeoutMs: number;
  /** Live subscriptions at once, on this replica. */
  subscriptions: {
    /** GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET */
    perSocket: number;
    /** GATEWAY_MAX_SUBSCRIPTIONS_PER_TENANT: across all of a tenant's sockets on this replica. */
    perTenant: number;
  };
}

// Sized for this schema, far above what its clients ask: the typed client's and the explorer's
// operations are at most 8 levels deep (a Relay connection takes two: edges, node), cost at most
// 5,000 (an account's payments, 100 a page, every field) and use no aliases or directives. Three
// 100-item connections nested in one another cost about 4,000,000 and are refused. The cost limit is
// in the spirit of GitHub's 500,000 nodes per query.
export const DEFAULT_LIMITS: GatewayLimits = {
  query: { depth: 15, cost: 100_000, aliases: 30, directives: 50, tokens: 2_000 },
  maxBodyBytes: 1024 * 1024,
  corsOrigins: [],
  wsInitTimeoutMs: 3_000,
  subscriptions: { perSocket: 100, perTenant: 1_000 },
};

/**
 * Reads the GATEWAY_MAX_*, GATEWAY_CORS_ORIGINS and GATEWAY_WS_INIT_TIMEOUT_MS variables; each
 * invalid one is reported through `problem`, and its default is used meanwhile.
 */
export function readLimits(
  read: (name: string) => string | undefined,
  problem: (variable: string, message: string) => void,
): GatewayLimits {
  const wholeNumber = (name: string, fallback: number, max: number): number => {
    const text = read(name)?.trim();
    if (text === undefined) return fallback;
    const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
    if (value >= 1 && value <= max) return value;
    problem(name, `${name} must be a whole number from 1 to ${max}; got "${text}".`);
    return fallback;
  };
  const defaults = DEFAULT_LIMITS;
  return {
    query: {
      depth: wholeNumber("GATEWAY_MAX_QUERY_DEPTH", defaults.query.depth, 1_000),
      cost: wholeNumber("GATEWAY_MAX_QUERY_COST", defaults.query.cost, 1_000_000_000),
      aliases: wholeNumber("GATEWAY_MAX_QUERY_ALIASES", defaults.query.aliases, 100_000),
      directives: wholeNumber("GATEWAY_MAX_QUERY_DIRECTIVES", defaults.query.directives, 100_000),
      tokens: wholeNumber("GATEWAY_MAX_QUERY_TOKENS", defaults.query.tokens, 10_000_000),
    },
    // 1 GiB at most: the body is held in memory whole.
    maxBodyBytes: wholeNumber("GATEWAY_MAX_BODY_BYTES", defaults.maxBodyBytes, 1024 * 1024 * 1024),
    corsOrigins: readCorsOrigins(read, problem),
    wsInitTimeoutMs: wholeNumber("GATEWAY_WS_INIT_TIMEOUT_MS", defaults.wsInitTimeoutMs, 600_000),
    subscriptions: {
      perSocket: wholeNumber(
        "GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET",
        defaults.subscriptions.perSocket,
        1_000_000,
      ),
      perTenant: wholeNumber(
        "GATEWAY_MAX_SUBSCRIPTIONS_PER_TENANT",
        defaults.subscriptions.perTenant,
        1_000_000,
      ),
    },
  };
}

/** "https://app.example.com, http://localhost:5173" → those origins; "*" alone allows any origin. */
function readCorsOrigins(
  read: (name: string) => string | undefined,
  problem: (variable: string, message: string) => void,
): string[] {
  const entries = (read("GATEWAY_CORS_ORIGINS") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 1 && entries[0] === "*") return ["*"];
  const invalid = entries.filter((entry) => !isOrigin(entry));
  if (invalid.length > 0) {
    problem(
      "GATEWAY_CORS_ORIGINS",
      `GATEWAY_CORS_ORIGINS must be comma-separated origins (scheme://host[:port], no path), e.g. ` +
        `https://app.example.com,http://localhost:5173, or * alone; not ${invalid.map((entry) => `"${entry}"`).join(", ")}.`,
    );
    return [];
  }
  return entries;
}

/** An origin as a browser sends it in the Origin header: http(s), a host, maybe a port, nothing else. */
function isOrigin(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === "http:" || url.protocol === "https:") && url.origin === text;
}
