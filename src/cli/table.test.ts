import { boxTable, plainTable } from './table';

describe('tables', () => {
  it('prints a boxed table like calicoctl node status', () => {
    const out = boxTable(['PEER ADDRESS', 'PEER TYPE', 'STATE', 'SINCE', 'INFO'], [['10.0.0.15', 'node-to-node mesh', 'up', '08:24:51', 'Established']]);
    expect(out).toBe(
      [
        '+--------------+-------------------+-------+----------+-------------+',
        '| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |',
        '+--------------+-------------------+-------+----------+-------------+',
        '| 10.0.0.15    | node-to-node mesh | up    | 08:24:51 | Established |',
        '+--------------+-------------------+-------+----------+-------------+',
        '',
      ].join('\n'),
    );
  });

  it('prints plain columns like calicoctl get', () => {
    expect(plainTable(['NAME', 'CIDR', 'SELECTOR'], [['default-ipv4-ippool', '10.244.0.0/16', 'all()']])).toBe(
      'NAME                  CIDR            SELECTOR\ndefault-ipv4-ippool   10.244.0.0/16   all()\n',
    );
  });
});
