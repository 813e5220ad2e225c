import fc from "fast-check";

// Values a client could send that are of the right GraphQL type and wrong in every other way, and
// values of the wrong type altogether. The mutation inputs are built from these.

/** Amounts that are strings, as the Amount scalar asks, and not plain positive decimals. */
export const HOSTILE_AMOUNTS = [
  "1e9",
  "1E3",
  "-0",
  "-1",
  "0",
  "0.0",
  "0.0000000001",
  "0.000000000000000000000000000001",
  " 5",
  "5 ",
  "5\n",
  "NaN",
  "Infinity",
  "-Infinity",
  "+1",
  "0x10",
  "1,5",
  "1_000",
  ".5",
  "5.",
  "01",
  "١٢",
  "５",
  "",
  "9".repeat(78),
  "9".repeat(101),
  `1${"0".repeat(200)}`,
  `0.${"0".repeat(200)}1`,
  "115792089237316195423570985008687907853269984665640564039457584007913129639936",
  "18446744073709551616",
  "9007199254740993",
];

/** Amounts that may well be accepted: the calls that get through must not break anything either. */
export const PLAUSIBLE_AMOUNTS = ["1", "0.5", "0.000000001", "0.01", "2", "10", "999999"];

export const amountArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_AMOUNTS) },
  { weight: 2, arbitrary: fc.constantFrom(...PLAUSIBLE_AMOUNTS) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[0-9]{1,40}$/), fc.option(fc.stringMatching(/^[0-9]{1,30}$/)))
      .map(([whole, fraction]) => (fraction === null ? whole : `${whole}.${fraction}`)),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }).map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.string() },
);

/** Lone surrogates: a JS string may hold them, UTF-8 cannot. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** Strings that test a server's handling of text: control characters, bidi, emoji, lengths at limits. */
export const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u202eevil\u202c",
  "\u200f\u05e9\u05dc\u05d5\u05dd",
  "🦄",
  "👩‍👩‍👧‍👦".repeat(30),
  "é".repeat(200),
  "x".repeat(100),
  "x".repeat(101),
  "x".repeat(256),
  "x".repeat(257),
  "x".repeat(10_000),
  "x".repeat(200_000),
  " leading",
  "trailing ",
  "\t",
  "line\nbreak",
  "'; DROP TABLE payments; --",
  "%s%s%s%n",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder as text is the point
  "${process.exit()}",
  "__proto__",
  "constructor",
  "\ufeff",
  "\ud800",
  "\udc00x",
  "null",
  "undefined",
];

export const hostileStringArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 3 }), loneSurrogate)).map((parts) => parts.join("")),
  },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
);

/** A name that passes the gateway's checks (no outer spaces, 1 to 100 characters), or nearly. */
export const plausibleNameArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}[A-Za-z0-9]$/),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
);

export const intArbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -3, max: 25 }),
  fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0, 18, 19, 255, 256),
  fc.integer(),
);

/** Any JSON value a variable could hold instead of the one its type asks for. */
export const illTypedArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(2 ** 31, 2 ** 53 + 2, 1e300, -1e300, 0.5, -0),
  fc.string({ maxLength: 10 }),
  fc.constant({}),
  fc.constant([]),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), {
    maxKeys: 3,
  }),
  // Own "__proto__" and "constructor" keys, as JSON.parse makes them: prototype pollution attempts.
  fc.constant(JSON.parse('{"__proto__": {"admin": true}}') as unknown),
  fc.constant({ constructor: { prototype: { polluted: true } } }),
);
