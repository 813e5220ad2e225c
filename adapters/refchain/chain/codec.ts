import { RefchainError } from "./errors.ts";

/**
 * The canonical binary encoding of transactions and block headers. Every value has exactly one
 * encoding (fixed-width integers, minimal big-endian amounts, length-prefixed UTF-8), so a hash or
 * signature over the bytes is a hash or signature over the meaning. The reader refuses anything
 * non-canonical or left over.
 */
// One of each for the process: making a TextEncoder/TextDecoder per string cost more than the coding.
// A non-streaming decode() starts fresh every call, so sharing the fatal decoder is safe.
const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder("utf-8", { fatal: true });

export class Writer {
  #chunks: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): this {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
    return this;
  }

  u8(value: number): this {
    return this.#push(Uint8Array.of(value));
  }

  u64(value: bigint): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, value);
    return this.#push(bytes);
  }

  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) throw new Error(`expected ${length} bytes, got ${bytes.length}`);
    return this.#push(bytes);
  }

  /** Length-prefixed (u16) bytes. */
  bytes(bytes: Uint8Array): this {
    if (bytes.length > 0xffff) throw new Error("field longer than 65535 bytes");
    const prefix = new Uint8Array(2);
    new DataView(prefix.buffer).setUint16(0, bytes.length);
    return this.#push(prefix).#push(bytes);
  }

  string(value: string): this {
    return this.bytes(UTF8_ENCODER.encode(value));
  }

  /** A non-negative integer as u8 length + minimal big-endian bytes (zero is length 0). */
  uint(value: bigint): this {
    if (value < 0n) throw new Error("uint cannot be negative");
    let hex = value === 0n ? "" : value.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    if (hex.length / 2 > 32) throw new Error("uint wider than 256 bits");
    return this.u8(hex.length / 2).#push(Buffer.from(hex, "hex"));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

const malformed = (what: string): never => {
  throw new RefchainError("MALFORMED", `malformed encoding: ${what}`);
};

export class Reader {
  #offset = 0;
  readonly #view: DataView;
  constructor(readonly buffer: Uint8Array) {
    this.#view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  get offset(): number {
    return this.#offset;
  }

  #take(length: number, what: string): Uint8Array {
    if (this.#offset + length > this.buffer.length) malformed(`${what} runs past the end`);
    const out = this.buffer.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }

  u8(what: string): number {
    if (this.#offset >= this.buffer.length) malformed(`${what} runs past the end`);
    return this.#view.getUint8(this.#offset++);
  }

  u64(what: string): bigint {
    this.#take(8, what);
    return this.#view.getBigUint64(this.#offset - 8);
  }

  fixed(length: number, what: string): Uint8Array {
    return this.#take(length, what);
  }

  bytes(what: string): Uint8Array {
    this.#take(2, what);
    const length = this.#view.getUint16(this.#offset - 2);
    return this.#take(length, what);
  }

  string(what: string): string {
    const bytes = this.bytes(what);
    try {
      return UTF8_DECODER.decode(bytes);
    } catch {
      return malformed(`${what} is not valid UTF-8`);
    }
  }

  uint(what: string): bigint {
    const length = this.u8(what);
    if (length > 32) malformed(`${what} is wider than 256 bits`);
    const bytes = this.#take(length, what);
    if (length > 0 && bytes[0] === 0) malformed(`${what} has a leading zero byte`);
    if (length <= 6) {
      // Up to 48 bits fits a double exactly: most amounts skip the hex string.
      let value = 0;
      for (const byte of bytes) value = value * 256 + byte;
      return BigInt(value);
    }
    return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`);
  }

  end(what: string): void {
    if (this.#offset !== this.buffer.length)
      malformed(`${this.buffer.length - this.#offset} bytes after the ${what}`);
  }
}
