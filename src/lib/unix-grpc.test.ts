// The unix-socket JSON service: a call round-trips, the socket is 0600 at its path from the first moment (bound in a
// private directory and renamed into place, nothing of that left behind), a shared parent directory keeps its mode,
// and a stale socket file of an earlier run is replaced.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jsonService, serveUnix, UnixJsonClient } from './unix-grpc';

const service = jsonService('test.Echo', ['Echo']);

describe('serveUnix', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unix-grpc-'));
    fs.chmodSync(dir, 0o755); // a shared directory, as /var/run/calico may be
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves calls on a 0600 socket, renamed into place, and removes it on close', async () => {
    const sock = path.join(dir, 'status.sock');
    fs.writeFileSync(sock, 'stale');
    const server = await serveUnix(sock, service, { Echo: (req) => ({ got: req }) });
    expect(fs.statSync(sock).isSocket()).toBe(true);
    expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['status.sock']);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o755);
    const client = new UnixJsonClient(sock, service, 'test server');
    try {
      await expect(client.call('Echo', { n: 1 })).resolves.toEqual({ got: { n: 1 } });
    } finally {
      client.close();
      await server.close();
    }
    expect(fs.existsSync(sock)).toBe(false);
  });

  it('never replaces a socket a live process serves; replaces one nobody serves', async () => {
    const sock = path.join(dir, 'status.sock');
    const first = await serveUnix(sock, service, { Echo: () => ({ who: 'first' }) });
    const inode = fs.statSync(sock).ino;
    try {
      await expect(serveUnix(sock, service, { Echo: () => ({}) }, 'status socket S')).rejects.toMatchObject({ code: 'IN_USE', message: 'status socket S is in use by another process' });
      expect(fs.statSync(sock).ino).toBe(inode);
      const client = new UnixJsonClient(sock, service, 'test server');
      await expect(client.call('Echo', {})).resolves.toEqual({ who: 'first' });
      client.close();
    } finally {
      await first.close();
    }
    // A socket file left by a process that died (nothing accepts on it) is stale.
    const net = await import('node:net');
    const dead = net.createServer().listen(sock);
    await new Promise((r) => dead.once('listening', r));
    // Closing a net server unlinks its file; recreate a dead one by binding and removing the listener without unlink.
    const staleCopy = path.join(dir, 'copy.sock');
    fs.linkSync(sock, staleCopy);
    await new Promise((r) => dead.close(r));
    fs.renameSync(staleCopy, sock);
    const second = await serveUnix(sock, service, { Echo: () => ({ who: 'second' }) });
    await second.close();
  });

  it('a failed bind leaves no private directory behind', async () => {
    const sock = path.join(dir, 'x'.repeat(120), 'status.sock'); // longer than sun_path allows
    await expect(serveUnix(sock, service, { Echo: () => ({}) })).rejects.toThrow();
    expect(fs.readdirSync(path.dirname(sock))).toEqual([]);
  });
});
