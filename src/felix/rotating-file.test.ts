import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RotatingFile } from './rotating-file';

describe('RotatingFile', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-rot-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rotates before a write that would pass the cap and keeps at most maxFiles old files', async () => {
    const file = path.join(dir, 'sub', 'flows.log');
    const f = new RotatingFile(file, { maxBytes: 25, maxFiles: 2 });
    for (let i = 0; i < 10; i++) await f.append(`line ${i} 0123456789\n`);
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['flows.log', 'flows.log.1', 'flows.log.2']);
    expect(fs.readFileSync(file, 'utf8')).toBe('line 9 0123456789\n');
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe('line 8 0123456789\n');
    expect(fs.readFileSync(`${file}.2`, 'utf8')).toBe('line 7 0123456789\n');
  });

  it('continues an existing file, counting its size', async () => {
    const file = path.join(dir, 'flows.log');
    fs.writeFileSync(file, 'x'.repeat(20));
    await new RotatingFile(file, { maxBytes: 25, maxFiles: 0 }).append('0123456789\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('0123456789\n');
    expect(fs.existsSync(`${file}.1`)).toBe(false);
  });
});
