// An append-only log file with a size cap: when the next write would take `file` past maxBytes it is renamed to
// `file.1` (`file.1` to `file.2`, ..., the oldest beyond maxFiles deleted) and a new `file` is started, so the
// log never holds more than maxBytes * (maxFiles + 1) bytes on disk. One write at a time (the caller awaits).
import fs from 'node:fs/promises';
import path from 'node:path';

export interface RotatingFileOptions {
  readonly maxBytes: number;
  /** Rotated files kept besides the live one. */
  readonly maxFiles: number;
}

export class RotatingFile {
  private size: number | undefined;

  constructor(
    readonly file: string,
    private readonly options: RotatingFileOptions,
  ) {}

  /** Appends `text` (whole lines), rotating first if it would not fit. */
  async append(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    if (this.size === undefined) {
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      this.size = await fs.stat(this.file).then((s) => s.size, () => 0);
    }
    if (this.size > 0 && this.size + bytes > this.options.maxBytes) await this.rotate();
    await fs.appendFile(this.file, text);
    this.size += bytes;
  }

  private async rotate(): Promise<void> {
    const gone = (err: unknown): void => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    };
    await fs.rm(`${this.file}.${this.options.maxFiles}`, { force: true });
    for (let i = this.options.maxFiles - 1; i >= 1; i--) await fs.rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(gone);
    if (this.options.maxFiles >= 1) await fs.rename(this.file, `${this.file}.1`).catch(gone);
    else await fs.rm(this.file, { force: true });
    this.size = 0;
  }
}
