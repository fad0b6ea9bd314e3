import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serveUnixJson, UNIX_JSON_SERVER_ERR, type UnixJsonServer } from './unix-json';
import { requestUnixJson, UNIX_JSON_ERR } from './unix-json-client';

const opts = { connectTimeoutMs: 1000, replyTimeoutMs: 2000 };
const bad = (problem: string): unknown => ({ bad: problem });

describe('unix-json', () => {
  let dir: string;
  const servers: UnixJsonServer[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-uj-'));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers one request per connection on a mode-0600 socket and removes it on close', async () => {
    const sock = path.join(dir, 'sub', 'a.sock');
    const s = await serveUnixJson(sock, async (req) => ({ echo: req }), { badRequest: bad });
    expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
    await expect(requestUnixJson(sock, { n: 1, text: 'é\n' }, opts)).resolves.toEqual({ echo: { n: 1, text: 'é\n' } });
    const many = await Promise.all([1, 2, 3, 4, 5].map((n) => requestUnixJson(sock, n, opts)));
    expect(many).toEqual([1, 2, 3, 4, 5].map((n) => ({ echo: n })));
    await s.close();
    expect(fs.existsSync(sock)).toBe(false);
  });

  it('a missing socket is a CONNECT failure, quickly', async () => {
    const t0 = Date.now();
    await expect(requestUnixJson(path.join(dir, 'none.sock'), {}, opts)).rejects.toMatchObject({ code: UNIX_JSON_ERR.CONNECT });
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('takes over a stale socket file and refuses a path another server holds', async () => {
    const sock = path.join(dir, 'b.sock');
    // A socket file nobody listens on (a killed agent's).
    const killed = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(killed.signal).toBe('SIGKILL');
    expect(fs.existsSync(sock)).toBe(true);
    servers.push(await serveUnixJson(sock, async () => 'fresh', { badRequest: bad }));
    await expect(requestUnixJson(sock, {}, opts)).resolves.toBe('fresh');
    await expect(serveUnixJson(sock, async () => 'second', { badRequest: bad })).rejects.toMatchObject({ code: UNIX_JSON_SERVER_ERR.IN_USE });
  });

  it('a request that is not JSON gets the badRequest answer; a failing handler too', async () => {
    const sock = path.join(dir, 'c.sock');
    servers.push(await serveUnixJson(sock, async () => Promise.reject(new Error('handler broke')), { badRequest: bad, maxBytes: 64 }));
    const raw = (text: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const c = net.createConnection({ path: sock });
        let out = '';
        c.on('data', (d: Buffer) => (out += d.toString()));
        c.on('end', () => resolve(out));
        c.on('error', reject);
        c.end(text);
      });
    expect(JSON.parse(await raw('{nope\n'))).toEqual({ bad: 'the request is not JSON' });
    expect(JSON.parse(await raw('x'.repeat(100)))).toEqual({ bad: 'the request is larger than 64 bytes' });
    await expect(requestUnixJson(sock, {}, opts)).resolves.toEqual({ bad: 'handler broke' });
  });

  it('a reply that does not come in time is a TIMEOUT failure', async () => {
    const sock = path.join(dir, 'd.sock');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    servers.push(await serveUnixJson(sock, async () => held.then(() => 'late'), { badRequest: bad }));
    await expect(requestUnixJson(sock, {}, { connectTimeoutMs: 1000, replyTimeoutMs: 50 })).rejects.toMatchObject({ code: UNIX_JSON_ERR.TIMEOUT });
    release();
  });
});
