import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../lib/clock';
import { FileFollower } from './file-follow';

describe('FileFollower', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-follow-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts at the last lines, hands on whole lines only, and follows the file across a rotation', async () => {
    const file = path.join(dir, 'flows.log');
    const got: string[] = [];
    const f = new FileFollower(file, (l) => got.push(...l), { clock: systemClock, lastLines: 2 });
    await f.poll();
    expect(got).toEqual([]);
    fs.writeFileSync(file, 'a\nb\nc\npart');
    await f.poll();
    expect(got).toEqual(['b', 'c']);
    fs.appendFileSync(file, 'ial\nd\n');
    await f.poll();
    expect(got).toEqual(['b', 'c', 'partial', 'd']);
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, 'e\n');
    await f.poll();
    expect(got).toEqual(['b', 'c', 'partial', 'd', 'e']);
  });
});
