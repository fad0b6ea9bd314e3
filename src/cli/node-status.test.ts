import { birdState, formatNodeStatus, formatSince } from './node-status';

const NOW = new Date(2026, 11, 1, 12, 0, 0).getTime();
const at = (h: number, m: number, s: number): number => new Date(2026, 11, 1, h, m, s).getTime();

describe('formatNodeStatus', () => {
  it('says under the running line whether the datastore answers, and since when', () => {
    const lost = { backend: 'etcdv3', connected: false, since: at(11, 59, 29), lastError: 'etcd http://10.0.0.1:2379: connection refused' };
    expect(formatNodeStatus([], NOW, lost).split('\n').slice(0, 3)).toEqual([
      'Gingham process is running.',
      'Datastore (etcdv3) UNREACHABLE for 31 s, since 11:59:29: etcd http://10.0.0.1:2379: connection refused. Routing continues on the last state read.',
      '',
    ]);
    expect(formatNodeStatus([], NOW, { backend: 'etcdv3', connected: true, since: at(3, 57, 22) }).split('\n')[1]).toBe('Datastore (etcdv3) reachable since 03:57:22.');
  });

  it("prints calicoctl's layout: running line, IPv4 table, no IPv6 peers", () => {
    const text = formatNodeStatus(
      [
        { address: '10.0.0.15', type: 'node-to-node mesh', state: 'Established', since: at(3, 57, 22) },
        { address: '10.0.0.16', type: 'node-to-node mesh', state: 'Established', since: at(3, 57, 19) },
      ],
      NOW,
    );
    expect(text).toBe(
      [
        'Gingham process is running.',
        '',
        'IPv4 BGP status',
        '+--------------+-------------------+-------+----------+-------------+',
        '| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |',
        '+--------------+-------------------+-------+----------+-------------+',
        '| 10.0.0.15    | node-to-node mesh | up    | 03:57:22 | Established |',
        '| 10.0.0.16    | node-to-node mesh | up    | 03:57:19 | Established |',
        '+--------------+-------------------+-------+----------+-------------+',
        '',
        'IPv6 BGP status',
        'No IPv6 peers found.',
        '',
        '',
      ].join('\n'),
    );
  });

  it('shows BIRD-style start/Idle rows with the last error, and v6 peers in their own table', () => {
    const text = formatNodeStatus(
      [
        { address: '10.0.0.12', type: 'node specific', state: 'Active', since: at(6, 28, 27), lastError: 'Socket: Connection refused' },
        { address: 'fd00::12', type: 'global', state: 'Idle', since: at(6, 28, 27) },
      ],
      NOW,
    );
    expect(text).toContain('| 10.0.0.12    | node specific | start | 06:28:27 | Active Socket: Connection refused |');
    expect(text).toContain('IPv6 BGP status\n+');
    expect(text).toContain('| fd00::12     | global    | start | 06:28:27 | Idle |');
    expect(text).not.toContain('No IPv4 peers found.');
  });

  it('marks a peering that is not started, with why', () => {
    expect(birdState({ address: '10.0.0.1', type: 'global', state: 'Idle', since: NOW, notStarted: 'password needs TCP MD5' })).toEqual({ state: 'down', info: 'Not started: password needs TCP MD5' });
  });

  it('prints a date instead of a time for an older state change', () => {
    expect(formatSince(new Date(2026, 10, 28, 1, 2, 3).getTime(), NOW)).toBe('2026-11-28');
    expect(formatSince(at(0, 0, 5), NOW)).toBe('00:00:05');
  });
});
