// RtNetlink's own failure paths that need no privileges: a request in flight when the socket closes fails with
// NetlinkError EBADF (its code, not its text, says so), and calls after close fail the same way.
import { NetlinkError } from './netlink-error';
import { RtNetlink } from './rtnetlink';

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('RtNetlink close', () => {
  it('fails a request in flight with NetlinkError EBADF', async () => {
    const nl = new RtNetlink({ timeoutMs: 200 });
    const pending = failure(nl.listLinks());
    nl.close();
    const err = await pending;
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as NetlinkError).errno).toBe('EBADF');
    expect((err as NetlinkError).code).toBe('EBADF');
  });

  it('fails a request after close with NetlinkError EBADF', async () => {
    const nl = new RtNetlink();
    nl.close();
    const err = await failure(nl.listLinks());
    expect((err as NetlinkError).code).toBe('EBADF');
  });
});
