/**
 * Pull-style reading of lines and counted byte runs from an async stream of chunks, without
 * copying more than one partial chunk.
 */
export class ByteReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly iterator: AsyncIterator<Uint8Array>;
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Pulls the next chunk into the buffer; returns false at the end of the stream. */
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buffer = this.buffer.length === 0 ? next.value : concat(this.buffer, next.value);
    return true;
  }

  /**
   * Reads up to and without the next CRLF.
   * @returns the line as latin1 text, or undefined when the stream ends first or the line is
   *   longer than `maxLength` bytes.
   */
  async readLine(maxLength: number): Promise<string | undefined> {
    let searchFrom = 0;
    for (;;) {
      const end = indexOfCrlf(this.buffer, searchFrom);
      if (end !== -1) {
        if (end > maxLength) return undefined;
        const line = Buffer.from(this.buffer.buffer, this.buffer.byteOffset, end).toString("latin1");
        this.buffer = this.buffer.subarray(end + 2);
        return line;
      }
      if (this.buffer.length > maxLength + 1) return undefined;
      searchFrom = Math.max(0, this.buffer.length - 1);
      if (!(await this.fill())) return undefined;
    }
  }

  /**
   * Yields exactly `count` bytes in pieces as they arrive.
   * @returns false through `complete` when the stream ends early.
   */
  async *readBytes(count: number, complete: { ok: boolean }): AsyncGenerator<Uint8Array> {
    let remaining = count;
    complete.ok = true;
    while (remaining > 0) {
      if (this.buffer.length === 0 && !(await this.fill())) {
        complete.ok = false;
        return;
      }
      const piece = this.buffer.subarray(0, Math.min(remaining, this.buffer.length));
      this.buffer = this.buffer.subarray(piece.length);
      remaining -= piece.length;
      yield piece;
    }
  }

  /** Tells whether the stream has no bytes left. */
  async atEnd(): Promise<boolean> {
    while (this.buffer.length === 0) {
      if (!(await this.fill())) return true;
    }
    return false;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

function indexOfCrlf(bytes: Uint8Array, from: number): number {
  for (let index = from; index + 1 < bytes.length; index++) {
    if (bytes[index] === 13 && bytes[index + 1] === 10) return index;
  }
  return -1;
}
