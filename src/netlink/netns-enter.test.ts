import { CLONE_NEWNET, createInNetns, loadSetns, NetnsEnterError, NetnsRestoreError, type NetnsEnterDeps } from './netns-enter';

function fakeDeps(failOn?: 'enter' | 'restore' | 'open'): NetnsEnterDeps & { calls: string[] } {
  const calls: string[] = [];
  const fds = new Map<number, string>();
  let next = 10;
  return {
    calls,
    openSync: (file) => {
      if (failOn === 'open' && file !== '/proc/thread-self/ns/net') throw new Error(`ENOENT: ${file}`);
      fds.set(next, file);
      calls.push(`open ${file}`);
      return next++;
    },
    closeSync: (fd) => void calls.push(`close ${fds.get(fd)}`),
    setns: {
      setns: (fd, type) => {
        expect(type).toBe(CLONE_NEWNET);
        const file = fds.get(fd)!;
        if (failOn === 'enter' && file !== '/proc/thread-self/ns/net') throw new Error('EPERM');
        if (failOn === 'restore' && file === '/proc/thread-self/ns/net') throw new Error('EINVAL');
        calls.push(`setns ${file}`);
      },
    },
  };
}

describe('createInNetns', () => {
  it('creates inside the target namespace and returns to its own before returning', () => {
    const deps = fakeDeps();
    const got = createInNetns('/var/run/netns/pod', () => {
      deps.calls.push('create');
      return 42;
    }, deps);
    expect(got).toBe(42);
    expect(deps.calls).toEqual([
      'open /proc/thread-self/ns/net',
      'open /var/run/netns/pod',
      'setns /var/run/netns/pod',
      'create',
      'setns /proc/thread-self/ns/net',
      'close /var/run/netns/pod',
      'close /proc/thread-self/ns/net',
    ]);
  });

  it('returns to its own namespace when creation throws, and passes the error on', () => {
    const deps = fakeDeps();
    expect(() => createInNetns('/var/run/netns/pod', () => { throw new Error('socket failed'); }, deps)).toThrow('socket failed');
    expect(deps.calls).toContain('setns /proc/thread-self/ns/net');
  });

  it('a namespace that cannot be opened or entered is a NetnsEnterError, with nothing created', () => {
    const create = jest.fn();
    expect(() => createInNetns('/var/run/netns/gone', create, fakeDeps('open'))).toThrow(NetnsEnterError);
    expect(() => createInNetns('/var/run/netns/pod', create, fakeDeps('enter'))).toThrow(NetnsEnterError);
    expect(create).not.toHaveBeenCalled();
  });

  it('failing to return is a NetnsRestoreError even when creation succeeded', () => {
    expect(() => createInNetns('/var/run/netns/pod', () => 1, fakeDeps('restore'))).toThrow(NetnsRestoreError);
  });
});

describe('the setns addon (native/setns.c)', () => {
  it('is built and loads; a bad descriptor fails with EBADF', () => {
    const { setns } = loadSetns();
    expect(() => setns(-1, CLONE_NEWNET)).toThrow(expect.objectContaining({ errno: 9 }));
  });

  it('a missing addon names the build command', () => {
    expect(() => loadSetns('/nonexistent/gingham_setns.node')).toThrow(/npm run build:native/);
  });
});
