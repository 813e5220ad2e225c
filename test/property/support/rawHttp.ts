// Requests to the gateway below the level of a GraphQL client: any body, any query string, and the
// answer kept whole (status, and the body parsed when it is JSON), so a property can judge it.

export interface RawResponse {
  status: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  text: string;
}

const authorization = (apiKey: string | undefined): Record<string, string> =>
  apiKey ? { authorization: `Bearer ${apiKey}` } : {};

async function read(response: Response): Promise<RawResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** POST with `body` as it is (a string is sent as UTF-8; bytes as they are). */
export async function postRaw(
  url: string,
  body: string | Uint8Array<ArrayBuffer>,
  { apiKey, contentType = "application/json" }: { apiKey?: string; contentType?: string } = {},
): Promise<RawResponse> {
  return read(
    await fetch(url, {
      method: "POST",
      headers: { "content-type": contentType, ...authorization(apiKey) },
      body,
    }),
  );
}

/** POST a GraphQL request as JSON. */
export const postGraphQL = (url: string, request: Record<string, unknown>, apiKey?: string) =>
  postRaw(url, JSON.stringify(request), { apiKey });

/**
 * GET with these query parameters, each encoded by `percentEncode` (lone surrogates too). With
 * `preflight`, the header Apollo's CSRF prevention asks of a GET; without it Apollo may refuse (400).
 */
export async function getGraphQL(
  url: string,
  params: Record<string, string>,
  { apiKey, preflight = true }: { apiKey?: string; preflight?: boolean } = {},
): Promise<RawResponse> {
  const search = Object.entries(params)
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join("&");
  return read(
    await fetch(`${url}?${search}`, {
      headers: {
        accept: "application/graphql-response+json, application/json",
        ...(preflight ? { "apollo-require-preflight": "true" } : {}),
        ...authorization(apiKey),
      },
    }),
  );
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) is sent as the three bytes
 * WTF-8 gives it: not valid UTF-8, which is the point: the server must cope with such a query string.
 */
export function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate: encoded below, one code unit at a time.
  }
  let encoded = "";
  for (let at = 0; at < text.length; at++) {
    const unit = text.charCodeAt(at);
    const next = text.charCodeAt(at + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      encoded += encodeURIComponent(text.slice(at, at + 2));
      at++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      encoded += bytes.map((byte) => `%${byte.toString(16).toUpperCase()}`).join("");
    } else {
      encoded += encodeURIComponent(text[at] as string);
    }
  }
  return encoded;
}
