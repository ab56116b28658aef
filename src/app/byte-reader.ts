import { GraphFileFormatError } from "../domain/hnsw-file";

/** Reads exact byte counts from a stream of chunks. */
export class ByteReader {
  private buffered: Buffer[] = [];
  private bytes = 0;
  private readonly source: AsyncIterator<Uint8Array>;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly name: string,
  ) {
    this.source = source[Symbol.asyncIterator]();
  }

  /**
   * The next `count` bytes (sharing memory with the stream's chunks, which a stream never reuses
   * once handed over); fails naming `what` if the stream ends first.
   */
  async exactly(count: number, what: string): Promise<Buffer> {
    while (this.bytes < count) {
      const next = await this.source.next();
      if (next.done) {
        throw new GraphFileFormatError(
          `${this.name} ends early: ${what} needs ${count} bytes, ${this.bytes} are left`,
        );
      }
      const chunk = next.value;
      this.buffered.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.bytes += chunk.byteLength;
    }
    const all =
      this.buffered.length === 1
        ? (this.buffered[0] as Buffer)
        : Buffer.concat(this.buffered, this.bytes);
    const rest = all.subarray(count);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bytes = rest.length;
    return all.subarray(0, count);
  }

  /**
   * The next bytes as they come, at most `max` (at least one): what is buffered, else the
   * stream's next chunk, never copied; if the stream has ended, fails saying `why` it should not.
   */
  async some(max: number, why: string): Promise<Buffer> {
    if (this.bytes === 0) {
      const next = await this.source.next();
      if (next.done) throw new GraphFileFormatError(`${this.name} ends early: ${why}`);
      const chunk = next.value;
      this.buffered = [Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)];
      this.bytes = chunk.byteLength;
    }
    const first = this.buffered[0] as Buffer;
    const taken = first.subarray(0, Math.min(max, first.length));
    if (taken.length === first.length) this.buffered.shift();
    else this.buffered[0] = first.subarray(taken.length);
    this.bytes -= taken.length;
    return taken;
  }

  /** Stops the stream (its download, if any) without reading the rest. */
  async stop(): Promise<void> {
    await this.source.return?.();
  }
}
