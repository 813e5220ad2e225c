import fc from "fast-check";
import {
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from "graphql";
import {
  amountArbitrary,
  hostileStringArbitrary,
  illTypedArbitrary,
  intArbitrary,
  PLAUSIBLE_AMOUNTS,
  plausibleNameArbitrary,
} from "./hostileValues.ts";

// Random calls of one mutation, built from the schema the gateway serves, so a mutation added later
// is covered without a word here. Each value is chosen by its GraphQL type, and by its field's name
// where that tells what it means (an id, a chain id, an address): mostly well-typed but hostile,
// sometimes of another type altogether (null for a required field, an object for a scalar, extra
// fields, a missing field).

/** Real values of the gateway under test, so that some calls get past the first checks. */
export interface KnownValues {
  /** Ids of every kind, of the caller's tenant and of another. */
  ids: readonly string[];
  chainIds: readonly string[];
  /** Addresses on the gateway's chains, a token's among them. */
  addresses: readonly string[];
  /** Keys some calls share, so a later call may replay or conflict with an earlier one. */
  idempotencyKeys: readonly string[];
}

export interface MutationCall {
  query: string;
  variables: Record<string, unknown>;
}

/** How deep input objects nest before the generator gives up (this schema nests three deep). */
const MAX_INPUT_DEPTH = 5;

/** Ways to spoil a real id: another kind's prefix, case, spaces, a character more or less. */
const ID_SPOILERS: readonly ((id: string) => string)[] = [
  (id) => id.replace(/^[a-z]+_/, "acc_"),
  (id) => id.replace(/^[a-z]+_/, "sub_"),
  (id) => id.replace(/^[a-z]+_/, "pay_"),
  (id) => id.replace(/^[a-z]+_/, "ten_"),
  (id) => id.replace(/^[a-z]+_/, "key_"),
  (id) => id.toUpperCase(),
  (id) => ` ${id}`,
  (id) => `${id} `,
  (id) => id.slice(0, -1),
  (id) => `${id}0`,
  (id) => `${id}\u0000`,
  (id) => id.replace(/_/, ""),
];

/** Ways to spoil a real address: a flipped character (the checksum must catch it), case, spaces. */
const ADDRESS_SPOILERS: readonly ((address: string) => string)[] = [
  (address) => {
    const at = Math.floor(address.length / 2);
    return `${address.slice(0, at)}${address[at] === "q" ? "p" : "q"}${address.slice(at + 1)}`;
  },
  (address) => address.toUpperCase(),
  (address) => ` ${address}`,
  (address) => `${address}\n`,
  (address) => address.slice(0, -1),
  (address) => `${address}q`,
  (address) => address.replace(/^[a-z]+1/, "bc1"),
];

const FOREIGN_ADDRESSES = [
  "0x52908400098527886E0F7030069857D2E4169EE7",
  "0x52908400098527886e0f7030069857d2e4169ee7",
  "0x0000000000000000000000000000000000000000",
  "11111111111111111111111111111111",
  "So11111111111111111111111111111111111111112",
  "ref1",
  "ref1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
];

const FOREIGN_CHAIN_IDS = [
  "eip155:1",
  "eip155:31337",
  "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
  "refchain:other",
  "REFCHAIN:LOCAL",
  "refchain",
  ":",
  "",
];

function spoiled(values: readonly string[], spoilers: readonly ((value: string) => string)[]) {
  return fc
    .tuple(fc.constantFrom(...values), fc.constantFrom(...spoilers))
    .map(([value, spoil]) => spoil(value));
}

/**
 * How a call is made up. PLAUSIBLE: every value is one the gateway could accept (known ids, valid
 * shapes), so calls get through to the deeper checks (funds, idempotency) and some succeed. NEARLY:
 * plausible, but now and then a value hostile, so each check is reached with the others passed.
 * HOSTILE: hostile values, spoiled ids, nulls and values of other types anywhere.
 */
export type Temper = "PLAUSIBLE" | "NEARLY" | "HOSTILE";

/** What a field's name says of the kind of id it takes: the prefix of that kind (src/ids.ts). */
const ID_HINTS: readonly [RegExp, string][] = [
  [/account/i, "acc_"],
  [/subnet/i, "sub_"],
  [/tenant/i, "ten_"],
  [/payment/i, "pay_"],
  [/key/i, "key_"],
];

/** The known ids a field's name hints at ("fromAccountId": the accounts), or all of them. */
function idsFor(field: string, ids: readonly string[]): readonly string[] {
  const hinted = ID_HINTS.find(([pattern]) => pattern.test(field));
  const matching = hinted ? ids.filter((id) => id.startsWith(hinted[1])) : [];
  return matching.length ? matching : ids;
}

function plausibleScalar(scalar: string, field: string, known: KnownValues): fc.Arbitrary<unknown> {
  switch (scalar) {
    case "ID":
      return fc.constantFrom(...(/chain/i.test(field) ? known.chainIds : idsFor(field, known.ids)));
    case "Amount":
      return fc.oneof(fc.constantFrom(...PLAUSIBLE_AMOUNTS), amountArbitrary);
    case "Int":
      return fc.integer({ min: 0, max: 20 });
    case "String":
      if (/address|token/i.test(field)) return fc.constantFrom(...known.addresses);
      if (/idempotency/i.test(field)) {
        return fc.oneof(fc.constantFrom(...known.idempotencyKeys), fc.stringMatching(/^[\x21-\x7e]{1,12}$/));
      }
      if (/symbol/i.test(field)) return fc.stringMatching(/^[A-Z][A-Z0-9]{0,9}$/);
      return plausibleNameArbitrary;
    default:
      return hostileScalar(scalar, field, known);
  }
}

function hostileScalar(scalar: string, field: string, known: KnownValues): fc.Arbitrary<unknown> {
  switch (scalar) {
    case "ID":
      if (/chain/i.test(field)) {
        return fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...known.chainIds) },
          { weight: 2, arbitrary: fc.constantFrom(...FOREIGN_CHAIN_IDS) },
          { weight: 1, arbitrary: hostileStringArbitrary },
        );
      }
      return fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(...idsFor(field, known.ids)) },
        { weight: 2, arbitrary: fc.constantFrom(...known.ids) },
        { weight: 2, arbitrary: spoiled(known.ids, ID_SPOILERS) },
        { weight: 1, arbitrary: hostileStringArbitrary },
      );
    case "Amount":
      return amountArbitrary;
    case "Int":
      return intArbitrary;
    case "Float":
      return fc.double();
    case "Boolean":
      return fc.boolean();
    case "String":
      if (/address|token/i.test(field)) {
        return fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...known.addresses) },
          { weight: 2, arbitrary: spoiled(known.addresses, ADDRESS_SPOILERS) },
          { weight: 1, arbitrary: fc.constantFrom(...FOREIGN_ADDRESSES) },
          { weight: 1, arbitrary: hostileStringArbitrary },
        );
      }
      if (/idempotency/i.test(field)) {
        return fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...known.idempotencyKeys) },
          { weight: 2, arbitrary: fc.stringMatching(/^[\x21-\x7e]{1,12}$/) },
          { weight: 1, arbitrary: fc.constantFrom("k".repeat(200), "k".repeat(201)) },
          { weight: 2, arbitrary: hostileStringArbitrary },
        );
      }
      if (/symbol/i.test(field)) {
        return fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{0,12}$/), hostileStringArbitrary);
      }
      return fc.oneof(plausibleNameArbitrary, hostileStringArbitrary);
    default:
      // DateTime, BlockHeight and scalars added later: text of every kind.
      return fc.oneof(
        fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
        fc.bigInt({ min: -1n, max: 1n << 70n }).map(String),
        hostileStringArbitrary,
      );
  }
}

/** `arbitrary`'s value one time in fifteen, null otherwise. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 14, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

/**
 * An object of these fields: the required ones, optional ones left out at random (a one-of input
 * gets both, one or neither); now and then a required one missing, or a field of no such name.
 */
function spoiledRecord(
  shape: Record<string, fc.Arbitrary<unknown>>,
  required: readonly string[],
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.record(shape, { requiredKeys: [...required] }),
      rarely(fc.constantFrom(...(required.length ? required : ["-"]))),
      rarely(fc.tuple(fc.string({ maxLength: 8 }), illTypedArbitrary)),
    )
    .map(([record, missing, extra]) => {
      const value: Record<string, unknown> = { ...record };
      if (missing !== null) delete value[missing];
      if (extra !== null) value[extra[0]] = extra[1];
      return value;
    });
}

function inputObjectArbitrary(
  type: GraphQLInputObjectType,
  depth: number,
  known: KnownValues,
  temper: Temper,
): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.values(type.getFields());
  const shape = Object.fromEntries(
    fields.map((field) => [field.name, valueArbitrary(field.type, field.name, depth + 1, known, temper)]),
  );
  const required = fields.filter((field) => isNonNullType(field.type)).map((field) => field.name);
  return temper === "HOSTILE" ? spoiledRecord(shape, required) : fc.record(shape, { requiredKeys: required });
}

/** A variable's value for `type`; `field` is the name of the field or argument it is for. */
export function valueArbitrary(
  type: GraphQLInputType,
  field: string,
  depth: number,
  known: KnownValues,
  temper: Temper,
): fc.Arbitrary<unknown> {
  if (depth > MAX_INPUT_DEPTH) return fc.constant(null);
  if (isNonNullType(type)) return valueArbitrary(type.ofType, field, depth, known, temper);
  let wellTyped: fc.Arbitrary<unknown>;
  if (isListType(type)) {
    wellTyped = fc.array(valueArbitrary(type.ofType, field, depth + 1, known, temper), { maxLength: 3 });
  } else if (isInputObjectType(type)) {
    wellTyped = inputObjectArbitrary(type, depth, known, temper);
  } else if (isEnumType(type)) {
    const values = fc.constantFrom(...type.getValues().map((value) => value.name));
    wellTyped = temper === "HOSTILE" ? fc.oneof(values, hostileStringArbitrary) : values;
  } else {
    const plausible = plausibleScalar(type.name, field, known);
    const hostile = hostileScalar(type.name, field, known);
    if (temper === "PLAUSIBLE") return plausible;
    if (temper === "NEARLY")
      return fc.oneof({ weight: 5, arbitrary: plausible }, { weight: 1, arbitrary: hostile });
    wellTyped = hostile;
  }
  if (temper !== "HOSTILE") return wellTyped;
  return fc.oneof(
    { weight: 20, arbitrary: wellTyped },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: illTypedArbitrary },
  );
}

/**
 * What to ask of a payload: its scalars, and the scalars of the objects in it (one level down).
 * Fields with required arguments are skipped.
 */
export function payloadSelection(type: GraphQLOutputType, depth = 1): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return "";
  if (!isObjectType(named)) return "{ __typename }";
  const parts = ["__typename"];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((argument) => isNonNullType(argument.type) && argument.defaultValue === undefined))
      continue;
    if (isLeafType(getNamedType(field.type))) parts.push(field.name);
    else if (depth < 2) parts.push(`${field.name} ${payloadSelection(field.type, depth + 1)}`);
  }
  return `{ ${parts.join(" ")} }`;
}

/** Random calls of the mutation `name`: its arguments as variables, its payload's fields selected. */
export function mutationCallArbitrary(
  schema: GraphQLSchema,
  name: string,
  known: KnownValues,
): fc.Arbitrary<MutationCall> {
  const field = schema.getMutationType()?.getFields()[name];
  if (!field) throw new Error(`the gateway has no mutation ${name}`);
  const definitions = field.args.map((argument) => `$${argument.name}: ${String(argument.type)}`);
  const passes = field.args.map((argument) => `${argument.name}: $${argument.name}`);
  const query = [
    `mutation Call${definitions.length ? `(${definitions.join(", ")})` : ""} {`,
    `  ${name}${passes.length ? `(${passes.join(", ")})` : ""} ${payloadSelection(field.type)}`,
    "}",
  ].join("\n");
  const required = field.args
    .filter((argument) => isNonNullType(argument.type))
    .map((argument) => argument.name);
  const variables = (temper: Temper) => {
    const shape = Object.fromEntries(
      field.args.map((argument) => [
        argument.name,
        valueArbitrary(argument.type, argument.name, 0, known, temper),
      ]),
    );
    return temper === "HOSTILE"
      ? spoiledRecord(shape, required)
      : fc.record(shape, { requiredKeys: required });
  };
  return fc
    .oneof(
      { weight: 1, arbitrary: variables("PLAUSIBLE") },
      { weight: 2, arbitrary: variables("NEARLY") },
      { weight: 1, arbitrary: variables("HOSTILE") },
    )
    .map((values) => ({ query, variables: values }));
}
