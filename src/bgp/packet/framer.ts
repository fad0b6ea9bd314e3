// Framer: turns the bytes of a TCP stream into whole BGP messages. Partial reads are the normal path: a chunk may end
// anywhere, inside a header or a body, or hold several messages. Owns buffering and the header checks (via
// readHeader, as soon as 19 octets are in); it does not decode bodies and does no I/O.
import { BgpError } from './bgp-error';
import { HEADER_LENGTH } from './constants';
import { readHeader } from './header';

export class Framer {
  /** Received bytes not yet returned as frames, oldest first. Kept as a list so 1-octet chunks cost O(1) each. */
  private chunks: Buffer[] = [];
  /** Index of the oldest live chunk in `chunks` (consumed ones before it are dropped in batches, not shifted). */
  private head = 0;
  private buffered = 0;
  /** Length of the message whose header was already checked, or 0 when waiting for a header. */
  private pendingLength = 0;
  private extendedMessage = false;
  private failure: BgpError | undefined;

  /**
   * RFC 8654: once both sides sent the Extended Message capability, UPDATE, NOTIFICATION and ROUTE-REFRESH may be
   * up to 65535 octets. Takes effect for the next header read.
   */
  setExtendedMessage(on: boolean): void {
    this.extendedMessage = on;
  }

  /** Octets received but not yet part of a returned frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns every message completed by it, each a Buffer of its own (header included). Throws the
   * BgpError of the first bad header; after that the stream cannot be resynchronised, so every later call throws the
   * same error. Messages completed earlier in the same chunk are dropped with it: the session resets on the error,
   * and the peer's data before the bad header can no longer change that.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    // Each pass either returns (not enough bytes) or consumes one whole message, so this ends.
    while (true) {
      if (this.pendingLength === 0) {
        if (this.buffered < HEADER_LENGTH) break;
        try {
          this.pendingLength = readHeader(this.peek(HEADER_LENGTH), this.extendedMessage).length;
        } catch (err) {
          this.failure = err as BgpError;
          this.chunks = [];
          this.head = 0;
          this.buffered = 0;
          throw err;
        }
      }
      if (this.buffered < this.pendingLength) break;
      frames.push(this.take(this.pendingLength));
      this.pendingLength = 0;
    }
    return frames;
  }

  /** The first n buffered octets (n <= buffered), without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first && first.length >= n) return first.subarray(0, n);
    // Coalesce just enough leading chunks to make the header contiguous (at most 19 of them).
    let end = this.head;
    let have = 0;
    while (have < n) have += this.chunks[end++]?.length ?? n;
    const merged = Buffer.concat(this.chunks.slice(this.head, end));
    this.chunks.splice(this.head, end - this.head, merged);
    return merged.subarray(0, n);
  }

  /** Removes and returns the first n buffered octets (n <= buffered) as a fresh copy the caller owns. */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head];
      if (!chunk) break; // unreachable: n <= buffered
      const use = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, use);
      filled += use;
      if (use === chunk.length) this.head++;
      else this.chunks[this.head] = chunk.subarray(use);
    }
    this.buffered -= n;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
