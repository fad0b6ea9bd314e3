import { GinghamError } from '../lib/errors';
import { ManifestError, Problems, ValidationError } from './errors';

describe('ValidationError', () => {
  it('formats one problem as kind, name, field path and rule', () => {
    const err = new ValidationError('IPPool', 'default-ipv4-ippool', [
      { path: 'spec.blockSize', rule: 'must be between 20 and 32 for IPv4' },
    ]);
    expect(err).toBeInstanceOf(GinghamError);
    expect(err.code).toBe('Invalid');
    expect(err.message).toBe('IPPool default-ipv4-ippool: spec.blockSize: must be between 20 and 32 for IPv4');
  });

  it('joins several problems with "; "', () => {
    const p = new Problems();
    p.add('spec.cidr', 'is required');
    p.add('spec.ipipMode', 'must be one of Always, CrossSubnet, Never');
    expect(() => p.throwIfAny('IPPool', 'p1')).toThrow(
      'IPPool p1: spec.cidr: is required; spec.ipipMode: must be one of Always, CrossSubnet, Never',
    );
  });

  it('does not throw without problems', () => {
    expect(() => new Problems().throwIfAny('IPPool', 'p1')).not.toThrow();
  });

  it('ManifestError names the source and document', () => {
    const err = new ManifestError('pools.yaml', 2, 'unknown kind "Foo"');
    expect(err.code).toBe('BadManifest');
    expect(err.message).toBe('pools.yaml: document 2: unknown kind "Foo"');
  });
});
