// `tail -F` for one log file: what it holds now, then whatever is appended, across rotations (the file renamed away
// and a new one started, or truncated): each poll compares the file's inode and size with what was read so far and
// starts from the beginning of a new file. Only whole lines are handed on.
import fs from 'node:fs/promises';
import type { Clock } from '../lib/clock';

export interface FollowOptions {
  readonly clock: Clock;
  /** Poll interval (ms). */
  readonly pollMs?: number;
  /** Start at the last `lines` lines of the file rather than its beginning. */
  readonly lastLines?: number;
}

export class FileFollower {
  private ino = -1;
  private offset = 0;
  private partial = '';
  private stopped = false;
  private timer: { cancel(): void } | undefined;

  constructor(
    readonly file: string,
    private readonly onLines: (lines: string[]) => void,
    private readonly options: FollowOptions,
  ) {}

  /** Reads what is new since the last call (the whole file the first time, or its last lines). */
  async poll(): Promise<void> {
    const st = await fs.stat(this.file).catch(() => undefined);
    if (!st) return;
    const first = this.ino === -1;
    if (st.ino !== this.ino || st.size < this.offset) {
      this.ino = st.ino;
      this.offset = 0;
      this.partial = '';
    }
    if (st.size === this.offset) return;
    const fh = await fs.open(this.file, 'r');
    try {
      const buf = Buffer.alloc(st.size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const text = this.partial + buf.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      const out = first && this.options.lastLines !== undefined ? lines.slice(-this.options.lastLines) : lines;
      if (out.length > 0) this.onLines(out);
    } finally {
      await fh.close();
    }
  }

  /** Polls until stop(). */
  follow(): void {
    const tick = (): void => {
      if (this.stopped) return;
      void this.poll().finally(() => {
        if (!this.stopped) this.timer = this.options.clock.setTimeout(tick, this.options.pollMs ?? 250);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}
