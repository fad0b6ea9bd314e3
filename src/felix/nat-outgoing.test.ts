import { CommandError } from '../lib/command-runner';
import { describeError } from '../lib/errors';
import { DataplaneError, DataplaneErrorCode } from './dataplane-error';
import { NatOutgoing, natRestoreInput, type CommandRunner } from './nat-outgoing';

describe('natRestoreInput', () => {
  it('masquerades natOutgoing pools except towards any pool, and writes only our chain', () => {
    expect(natRestoreInput([{ cidr: '10.244.0.0/16', natOutgoing: true }, { cidr: '10.96.0.0/12' }, { cidr: 'fd00::/48', natOutgoing: true }]).split('\n')).toEqual([
      '*nat',
      ':gingham-nat-outgoing - [0:0]',
      '-A gingham-nat-outgoing -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "gingham: pod to pod" -j RETURN',
      '-A gingham-nat-outgoing -s 10.244.0.0/16 -d 10.96.0.0/12 -m comment --comment "gingham: pod to pod" -j RETURN',
      '-A gingham-nat-outgoing -s 10.244.0.0/16 -m comment --comment "gingham: natOutgoing 10.244.0.0/16" -j MASQUERADE',
      'COMMIT',
      '',
    ]);
  });

  it('an empty chain when no pool has natOutgoing', () => {
    expect(natRestoreInput([{ cidr: '10.244.0.0/16' }, { cidr: '10.1.0.0/16' }])).toBe('*nat\n:gingham-nat-outgoing - [0:0]\nCOMMIT\n');
  });
});

describe('NatOutgoing', () => {
  it('restores the chain, adds the POSTROUTING jump once, and skips unchanged applies', async () => {
    const calls: string[] = [];
    let jumpExists = false;
    const run: CommandRunner = async (argv) => {
      calls.push(argv.join(' '));
      if (argv.includes('-C')) return { code: jumpExists ? 0 : 1, stdout: '', stderr: '' };
      if (argv.includes('-A')) jumpExists = true;
      return { code: 0, stdout: '', stderr: '' };
    };
    const nat = new NatOutgoing(run);
    expect(await nat.apply([{ cidr: '10.244.0.0/16', natOutgoing: true }])).toEqual({ changed: true });
    expect(await nat.apply([{ cidr: '10.244.0.0/16', natOutgoing: true }])).toEqual({ changed: false });
    expect(await nat.apply([{ cidr: '10.244.0.0/16', natOutgoing: false }])).toEqual({ changed: true });
    expect(calls.filter((c) => c.includes(' -A POSTROUTING'))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('iptables-restore --noflush'))).toHaveLength(2);
  });

  it('reports a failed restore as a DataplaneError caused by the CommandError (exit code, iptables-restore\'s own words)', async () => {
    const nat = new NatOutgoing(async () => ({ code: 2, stdout: '', stderr: 'iptables-restore: line 3 failed\n' }));
    const err = await nat.apply([{ cidr: '10.244.0.0/16', natOutgoing: true }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataplaneError);
    expect((err as DataplaneError).code).toBe(DataplaneErrorCode.NatOutgoing);
    const cause = (err as DataplaneError).cause as CommandError;
    expect(cause).toBeInstanceOf(CommandError);
    expect([cause.exitCode, cause.stderr, cause.argv[0]]).toEqual([2, 'iptables-restore: line 3 failed\n', 'iptables-restore']);
    expect(describeError(err)).toBe(
      'DATAPLANE_NAT_OUTGOING: cannot write the NAT-outgoing rules (gingham-nat-outgoing): caused by CommandFailed: iptables-restore of gingham-nat-outgoing failed (exit 2): iptables-restore: line 3 failed',
    );
  });

  it('reports a failed POSTROUTING jump the same way', async () => {
    const nat = new NatOutgoing(async (argv) => (argv.includes('-A') ? { code: 4, stdout: '', stderr: 'no chain\n' } : { code: argv.includes('-C') ? 1 : 0, stdout: '', stderr: '' }));
    const err = (await nat.apply([{ cidr: '10.244.0.0/16', natOutgoing: true }]).catch((e: unknown) => e)) as DataplaneError;
    expect(err.code).toBe(DataplaneErrorCode.NatOutgoing);
    expect((err.cause as CommandError).exitCode).toBe(4);
    // Not recorded as applied: the next call tries again.
    expect(await nat.apply([{ cidr: '10.244.0.0/16', natOutgoing: true }]).catch((e: unknown) => (e as DataplaneError).code)).toBe(DataplaneErrorCode.NatOutgoing);
  });
});
