import pg from "pg";

// PostgreSQL's oids for 4- and 8-byte integers (pg_type.oid; stable across versions).
const INT4 = 23;
const INT8 = 20;

/**
 * pg's type parsers for one pool (not the process-wide defaults: another pool in the same process
 * keeps its own): integer and bigint columns read back as bigint, which is what the shared row
 * types (../database.ts) declare; heights and nonces past 2^53 stay exact. Everything else
 * keeps pg's parsing (bytea as Buffer, text as string).
 */
export const bigintTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if ((oid === INT4 || oid === INT8) && format !== "binary") return (text: string) => BigInt(text);
    return pg.types.getTypeParser(oid, format ?? "text");
  }) as pg.CustomTypesConfig["getTypeParser"],
};
