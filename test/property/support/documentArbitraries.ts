import fc from "fast-check";
import {
  type DocumentNode,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  Kind,
  print,
} from "graphql";
import { hostileStringArbitrary, illTypedArbitrary } from "./hostileValues.ts";

// Random GraphQL documents, from noise to nearly valid: raw text, a soup of the schema's own tokens,
// documents built as ASTs over the schema's names and printed with graphql's print(), and the
// classic attacks on a GraphQL server (deep nesting, many aliases, fragment cycles, directives,
// huge numbers and strings, lone surrogates).

/** The names a schema uses: the soup's ingredients and the AST generator's choices. */
export interface Vocabulary {
  typeNames: string[];
  fieldNames: string[];
  argumentNames: string[];
  enumValues: string[];
}

export function vocabularyOf(schema: GraphQLSchema): Vocabulary {
  const typeNames: string[] = [];
  const fieldNames = new Set(["__typename", "__schema", "__type"]);
  const argumentNames = new Set<string>();
  const enumValues = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    typeNames.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        fieldNames.add(field.name);
        for (const argument of field.args) argumentNames.add(argument.name);
      }
    }
    if (isInputObjectType(type))
      for (const field of Object.values(type.getFields())) argumentNames.add(field.name);
    if (isEnumType(type)) for (const value of type.getValues()) enumValues.add(value.name);
  }
  return {
    typeNames,
    fieldNames: [...fieldNames],
    argumentNames: [...argumentNames],
    enumValues: [...enumValues],
  };
}

const PUNCTUATORS = ["{", "}", "(", ")", "[", "]", ":", "!", "$", "@", "...", "=", "|", "&", ",", "#c\n"];
const KEYWORDS = [
  "query",
  "mutation",
  "subscription",
  "fragment",
  "on",
  "true",
  "false",
  "null",
  "schema",
  "type",
  "extend",
  "directive",
  "input",
  "scalar",
  "enum",
  "interface",
  "union",
  "implements",
  "repeatable",
];
const LITERALS = [
  "0",
  "-1",
  "-0",
  "1.5e10",
  "1e400",
  "99999999999999999999999",
  "2147483648",
  "0x1",
  '"x"',
  '""',
  '"""block"""',
  '"\\uD800"',
  '"\\uDC00\\uD800"',
  '"\\u{1F984}"',
  '"\\q"',
  '"unterminated',
  '"""unterminated',
  "\u0000",
  "\ud800",
  "🦄",
  "\ufeff",
  "@include(if: true)",
  "@skip(if: $x)",
  "@deprecated",
  "@nope",
  "$x",
  "$input",
];

/** Any text at all. */
export const rawTextArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 200 }),
  hostileStringArbitrary,
);

/** The schema's own words and GraphQL's punctuation, in any order. */
export function tokenSoupArbitrary(vocabulary: Vocabulary): fc.Arbitrary<string> {
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...PUNCTUATORS) },
    { weight: 1, arbitrary: fc.constantFrom(...KEYWORDS) },
    { weight: 1, arbitrary: fc.constantFrom(...LITERALS) },
    { weight: 3, arbitrary: fc.constantFrom(...vocabulary.fieldNames) },
    { weight: 1, arbitrary: fc.constantFrom(...vocabulary.typeNames, ...vocabulary.argumentNames) },
  );
  return fc
    .tuple(fc.array(token, { maxLength: 80 }), fc.constantFrom(" ", "\n", "", ","))
    .map(([tokens, separator]) => tokens.join(separator));
}

const FRAGMENT_NAMES = ["A", "B", "C"];
const DIRECTIVE_NAMES = ["include", "skip", "deprecated", "specifiedBy", "oneOf", "nope", "defer", "stream"];

/** Documents built as ASTs from the schema's names (right or wrong in every combination), printed. */
export function printedDocumentArbitrary(vocabulary: Vocabulary): fc.Arbitrary<string> {
  const name = (names: readonly string[]) =>
    fc
      .oneof(
        { weight: 6, arbitrary: fc.constantFrom(...names) },
        { weight: 1, arbitrary: fc.stringMatching(/^[_A-Za-z][_0-9A-Za-z]{0,8}$/) },
      )
      .map((value) => ({ kind: Kind.NAME, value }));
  const typeReference = fc
    .tuple(name(vocabulary.typeNames), fc.array(fc.constantFrom("list", "nonNull"), { maxLength: 3 }))
    .map(([typeName, wrappers]) =>
      wrappers.reduce<unknown>(
        (type, wrapper) =>
          wrapper === "list"
            ? { kind: Kind.LIST_TYPE, type }
            : // NonNull of NonNull cannot be printed sensibly; print() prints it anyway, which is fine.
              { kind: Kind.NON_NULL_TYPE, type },
        { kind: Kind.NAMED_TYPE, name: typeName },
      ),
    );

  const { document } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", maxDepth: 4, withCrossShrink: true },
      fc
        .oneof(fc.integer().map(String), fc.constantFrom("99999999999999999999999", "-0", "2147483648"))
        .map((value) => ({ kind: Kind.INT, value })),
      fc
        .oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
          fc.constantFrom("1e400", "1.5"),
        )
        .map((value) => ({ kind: Kind.FLOAT, value })),
      fc
        .tuple(hostileStringArbitrary, fc.boolean())
        .map(([value, block]) => ({ kind: Kind.STRING, value, block })),
      fc.boolean().map((value) => ({ kind: Kind.BOOLEAN, value })),
      fc.constant({ kind: Kind.NULL }),
      name(vocabulary.enumValues).map((enumName) => ({ kind: Kind.ENUM, value: enumName.value })),
      name(["x", "input", "id", "first"]).map((variable) => ({ kind: Kind.VARIABLE, name: variable })),
      fc.array(tie("value"), { maxLength: 3 }).map((values) => ({ kind: Kind.LIST, values })),
      fc.array(fc.tuple(name(vocabulary.argumentNames), tie("value")), { maxLength: 3 }).map((fields) => ({
        kind: Kind.OBJECT,
        fields: fields.map(([fieldName, value]) => ({ kind: Kind.OBJECT_FIELD, name: fieldName, value })),
      })),
    ),
    arguments: fc
      .array(fc.tuple(name(vocabulary.argumentNames), tie("value")), { maxLength: 3 })
      .map((pairs) =>
        pairs.map(([argumentName, value]) => ({ kind: Kind.ARGUMENT, name: argumentName, value })),
      ),
    directives: fc.array(tie("directive"), { maxLength: 2 }),
    directive: fc
      .tuple(name(DIRECTIVE_NAMES), tie("arguments"))
      .map(([directiveName, args]) => ({ kind: Kind.DIRECTIVE, name: directiveName, arguments: args })),
    selectionSet: fc
      .array(tie("selection"), { minLength: 1, maxLength: 4 })
      .map((selections) => ({ kind: Kind.SELECTION_SET, selections })),
    selection: fc.oneof(
      { depthSize: "small", maxDepth: 6, withCrossShrink: true },
      fc
        .record({
          alias: fc.option(name(["a", "b", "viewer", "id"]), { nil: undefined }),
          name: name(vocabulary.fieldNames),
          arguments: tie("arguments"),
          directives: tie("directives"),
          selectionSet: fc.option(tie("selectionSet"), { nil: undefined }),
        })
        .map((field) => ({ kind: Kind.FIELD, ...field })),
      fc
        .record({ name: name(FRAGMENT_NAMES), directives: tie("directives") })
        .map((spread) => ({ kind: Kind.FRAGMENT_SPREAD, ...spread })),
      fc
        .record({
          typeCondition: fc.option(
            name(vocabulary.typeNames).map((typeName) => ({ kind: Kind.NAMED_TYPE, name: typeName })),
            { nil: undefined },
          ),
          directives: tie("directives"),
          selectionSet: tie("selectionSet"),
        })
        .map((inline) => ({ kind: Kind.INLINE_FRAGMENT, ...inline })),
    ),
    operation: fc
      .record({
        operation: fc.constantFrom("query", "mutation", "subscription"),
        name: fc.option(name(["Op", "Other"]), { nil: undefined }),
        variableDefinitions: fc.array(
          fc
            .record({
              variable: name(["x", "input", "id", "first"]).map((variable) => ({
                kind: Kind.VARIABLE,
                name: variable,
              })),
              type: typeReference,
              defaultValue: fc.option(tie("value"), { nil: undefined }),
            })
            .map((definition) => ({ kind: Kind.VARIABLE_DEFINITION, ...definition })),
          { maxLength: 2 },
        ),
        directives: tie("directives"),
        selectionSet: tie("selectionSet"),
      })
      .map((operation) => ({ kind: Kind.OPERATION_DEFINITION, ...operation })),
    fragment: fc
      .record({
        name: name(FRAGMENT_NAMES),
        typeCondition: name(vocabulary.typeNames).map((typeName) => ({
          kind: Kind.NAMED_TYPE,
          name: typeName,
        })),
        directives: tie("directives"),
        selectionSet: tie("selectionSet"),
      })
      .map((fragment) => ({ kind: Kind.FRAGMENT_DEFINITION, ...fragment })),
    document: fc
      .tuple(
        fc.array(tie("operation"), { minLength: 1, maxLength: 2 }),
        fc.array(tie("fragment"), { maxLength: 3 }),
      )
      .map(([operations, fragments]) => ({
        kind: Kind.DOCUMENT,
        definitions: [...operations, ...fragments],
      })),
  }));
  return document.map((ast) => print(ast as unknown as DocumentNode));
}

/** How big an attack is: from what any server should serve to what none should. */
const size = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 4, arbitrary: fc.integer({ min: 65, max: 5_000 }) },
  { weight: 1, arbitrary: fc.constant(30_000) },
);

/** The classic attacks, each at a random size. */
export const attackDocumentArbitrary: fc.Arbitrary<string> = fc.oneof(
  // Deep selections, and deep lists and objects in arguments.
  size.map(
    (n) => `{ viewer { ${"subnets { edges { node { tenant { ".repeat(n)}id${" } } } }".repeat(n)} } }`,
  ),
  size.map((n) => `{ ${"a { ".repeat(n)}b${" }".repeat(n)} }`),
  size.map((n) => `{ chains(x: ${"[".repeat(n)}1${"]".repeat(n)}) { id } }`),
  size.map((n) => `{ account(id: ${"{a: ".repeat(n)}1${"}".repeat(n)}) { id } }`),
  // Many aliases: cheap fields, and fields that reach the chains.
  size.map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(" ")} }`),
  size.map(
    (n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: chains { id head healthy }`).join(" ")} }`,
  ),
  size.map(
    (n) =>
      `{ viewer { ${Array.from({ length: n }, (_, i) => `s${i}: subnets(first: 100) { edges { node { id } } }`).join(" ")} } }`,
  ),
  // Fragments that spread each other, in a cycle or a long chain.
  fc.constant("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
  fc.constant("query { ...A } fragment A on Query { __typename ...A }"),
  size.map(
    (n) =>
      `query { ...F0 } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Query { __typename ...F${i + 1} }`).join(" ")} fragment F${n} on Query { __typename }`,
  ),
  size.map(
    (n) =>
      `query { ...F0 } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Query { chains { id } ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F${n} on Query { __typename }`,
  ),
  // Directives, known and not.
  size.map((n) => `{ __typename ${"@include(if: true) ".repeat(n)}}`),
  size.map((n) => `{ __typename ${Array.from({ length: n }, (_, i) => `@d${i}`).join(" ")} }`),
  // Numbers and strings too big for their types.
  fc
    .constantFrom(
      "99999999999999999999999",
      "1e400",
      "-1",
      "0",
      "2147483648",
      "-2147483649",
      "1.5",
      '"10"',
      "null",
    )
    .map((first) => `{ viewer { subnets(first: ${first}) { edges { cursor } } } }`),
  size.map((n) => `{ account(id: "${"x".repeat(n * 30)}") { id } }`),
  fc
    .constantFrom("\ud800", "\udc00", "\ud83e", "\u0000", "\\uD800", "\\u{110000}")
    .map((text) => `{ account(id: "${text}") { id } }`),
  // Many operations and variables.
  size.map((n) => Array.from({ length: n }, (_, i) => `query Q${i} { __typename }`).join(" ")),
  size.map((n) => `query (${Array.from({ length: n }, (_, i) => `$v${i}: Int`).join(", ")}) { __typename }`),
  // Introspection, deep: types of fields of types of fields...
  fc
    .integer({ min: 1, max: 8 })
    .map(
      (n) => `{ __schema { types { ${"fields { type { ofType { ".repeat(n)}name${" } } }".repeat(n)} } } }`,
    ),
  size.map(
    (n) => `{ __type(name: "Query") { ${"fields { type { ofType { ".repeat(n)}name${" } } }".repeat(n)} } }`,
  ),
);

/** Variables as a client might send them: JSON of any shape, or values of the wrong type. */
export const variablesArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.dictionary(fc.constantFrom("x", "input", "id", "first", "after"), fc.jsonValue()),
  },
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom("x", "input", "id", "first"), illTypedArbitrary) },
  { weight: 1, arbitrary: illTypedArbitrary },
  { weight: 1, arbitrary: fc.jsonValue() },
);
