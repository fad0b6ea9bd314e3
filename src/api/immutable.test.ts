import { ValidationError } from './errors';
import { checkUpdate } from './immutable';
import { applyDefaults } from './resource';
import { make } from './testing';

const pool = (spec: Record<string, unknown>, name = 'default-ipv4-ippool') => applyDefaults(make('IPPool', name, spec));

describe('checkUpdate', () => {
  const cases: Array<{ name: string; before: ReturnType<typeof pool>; after: ReturnType<typeof pool>; want: string | undefined }> = [
    { name: 'CrossSubnet switch is allowed', before: pool({ cidr: '10.244.0.0/16', blockSize: 24, ipipMode: 'Always' }), after: pool({ cidr: '10.244.0.0/16', blockSize: 24, ipipMode: 'CrossSubnet' }), want: undefined },
    { name: 'unset block size equals the default', before: pool({ cidr: '10.244.0.0/16' }), after: pool({ cidr: '10.244.0.0/16', blockSize: 26 }), want: undefined },
    {
      name: 'cidr change',
      before: pool({ cidr: '10.244.0.0/16' }),
      after: pool({ cidr: '10.245.0.0/16' }),
      want: 'IPPool default-ipv4-ippool: spec.cidr: is immutable (was "10.244.0.0/16", now "10.245.0.0/16")',
    },
    {
      name: 'block size change',
      before: pool({ cidr: '10.244.0.0/16', blockSize: 24 }),
      after: pool({ cidr: '10.244.0.0/16', blockSize: 26 }),
      want: 'IPPool default-ipv4-ippool: spec.blockSize: is immutable (was 24, now 26)',
    },
    {
      name: 'both, joined',
      before: pool({ cidr: '10.244.0.0/16', blockSize: 24 }),
      after: pool({ cidr: '10.0.0.0/16', blockSize: 26 }),
      want: 'IPPool default-ipv4-ippool: spec.cidr: is immutable (was "10.244.0.0/16", now "10.0.0.0/16"); spec.blockSize: is immutable (was 24, now 26)',
    },
    { name: 'rename', before: pool({ cidr: '10.244.0.0/16' }, 'a'), after: pool({ cidr: '10.244.0.0/16' }, 'b'), want: 'IPPool b: metadata.name: cannot change from "a"' },
  ];
  it.each(cases)('$name', ({ before, after, want }) => {
    if (want === undefined) {
      expect(() => checkUpdate(before, after)).not.toThrow();
    } else {
      expect(() => checkUpdate(before, after)).toThrow(ValidationError);
      expect(() => checkUpdate(before, after)).toThrow(want);
    }
  });

  it('covers other kinds: block affinity node', () => {
    const a = make('BlockAffinity', 'x', { state: 'confirmed', node: 'n1', cidr: '10.0.0.0/26' });
    const b = make('BlockAffinity', 'x', { state: 'pendingDeletion', node: 'n1', cidr: '10.0.0.0/26' });
    const c = make('BlockAffinity', 'x', { state: 'confirmed', node: 'n2', cidr: '10.0.0.0/26' });
    expect(() => checkUpdate(a, b)).not.toThrow();
    expect(() => checkUpdate(a, c)).toThrow('BlockAffinity x: spec.node: is immutable (was "n1", now "n2")');
  });
});
