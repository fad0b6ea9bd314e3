import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { failingLine, type CommandResult } from './nft-command';
import { asScriptError, NftSession, statementAt } from './nft-session';

/** Answers like `nft -i`: errors (with the input line and a caret line) on stderr, nothing on success. */
function fakeNft(opts: { silent?: boolean } = {}): ChildProcessWithoutNullStreams & { lines: string[]; killed: boolean } {
  const child = new EventEmitter() as ChildProcessWithoutNullStreams & { lines: string[]; killed: boolean };
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  Object.assign(child, { stdin, stdout, stderr, lines: [], killed: false });
  child.kill = () => {
    child.killed = true;
    setImmediate(() => child.emit('close', null));
    return true;
  };
  let buf = '';
  stdin.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      child.lines.push(line);
      if (opts.silent) continue;
      const bad = line.startsWith('list table ip ginghamsentinel') ? line.indexOf('ginghamsentinel') : line.indexOf('FAIL');
      if (bad >= 0) stderr.write(`Error: No such file or directory\n${line}\n${' '.repeat(bad)}^^^^\n`);
    }
  });
  return child;
}

const oneShot = { calls: [] as string[][], run(args: readonly string[]): Promise<CommandResult> {
  this.calls.push([...args]);
  return Promise.resolve({ code: 0, stdout: 'listing', stderr: '' });
} };

describe('NftSession', () => {
  it('sends a script as one line followed by a sentinel and reports success', async () => {
    const procs: ReturnType<typeof fakeNft>[] = [];
    const s = new NftSession({ spawn: () => (procs.push(fakeNft()), procs[procs.length - 1] as ChildProcessWithoutNullStreams), oneShot });
    expect(await s.run(['-f', '-'], 'add table ip t\nflush chain ip t c\n')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await s.run(['-f', '-'], 'add table ip t\n')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(procs).toHaveLength(1);
    expect(procs[0]?.lines).toEqual(['add table ip t; flush chain ip t c', 'list table ip ginghamsentinel1', 'add table ip t', 'list table ip ginghamsentinel2']);
  });

  it('attributes an error to the failing statement in nft -f form, and the next transaction is unaffected', async () => {
    const s = new NftSession({ spawn: () => fakeNft(), oneShot });
    const res = await s.run(['-f', '-'], 'add table ip t\nadd rule ip t FAIL accept\nadd chain ip t d\n');
    expect(res.code).toBe(1);
    expect(failingLine(res.stderr)).toBe(2);
    expect(res.stderr).toContain('add rule ip t FAIL accept');
    expect((await s.run(['-f', '-'], 'add table ip t\n')).code).toBe(0);
  });

  it('fails the transaction in flight when nft dies, and starts a new process for the next one', async () => {
    const procs: ReturnType<typeof fakeNft>[] = [];
    const s = new NftSession({ spawn: () => (procs.push(fakeNft({ silent: procs.length === 0 })), procs[procs.length - 1] as ChildProcessWithoutNullStreams), oneShot });
    const inFlight = s.run(['-f', '-'], 'add table ip t\n');
    await new Promise((r) => setImmediate(r));
    procs[0]?.emit('close', 1);
    expect(await inFlight).toMatchObject({ code: -1, stderr: 'Error: nft -i exited\n' });
    expect((await s.run(['-f', '-'], 'add table ip t\n')).code).toBe(0);
    expect(s.starts).toBe(2);
  });

  it('kills a process that does not answer in time', async () => {
    const procs: ReturnType<typeof fakeNft>[] = [];
    const s = new NftSession({ spawn: () => (procs.push(fakeNft({ silent: true })), procs[procs.length - 1] as ChildProcessWithoutNullStreams), oneShot, timeoutMs: 20 });
    expect((await s.run(['-f', '-'], 'add table ip t\n')).code).toBe(-1);
    expect(procs[0]?.killed).toBe(true);
  });

  it('leaves listings and big scripts to the one-shot runner', async () => {
    const s = new NftSession({ spawn: () => fakeNft(), oneShot, maxLineBytes: 10 });
    await s.run(['-j', 'list', 'table', 'ip', 't']);
    await s.run(['-f', '-'], 'add table ip t\nadd chain ip t c\n');
    expect(oneShot.calls).toEqual([['-j', 'list', 'table', 'ip', 't'], ['-f', '-']]);
    expect(s.starts).toBe(0);
  });

  it('maps caret columns of the joined line to statements', () => {
    const st = ['add table ip t', 'add chain ip t c'];
    expect(statementAt(st, 0)).toEqual({ line: 1, col: 1 });
    expect(statementAt(st, 16)).toEqual({ line: 2, col: 1 });
    expect(asScriptError('Error: x\nadd table ip t; add chain ip t c\n                ^^^\n', st)).toBe('-:2:1: Error: x\nadd chain ip t c\n');
  });
});
