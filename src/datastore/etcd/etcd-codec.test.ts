import { kindInfo } from '../kinds';
import type { StoredResource } from '../types';
import { decodeResource, encodeResource } from './etcd-codec';

const pool: StoredResource = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'IPPool',
  metadata: { name: 'p1', resourceVersion: '42', uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z', labels: { a: 'b' } },
  spec: { cidr: '10.0.0.0/16' },
};

describe('etcd value codec', () => {
  it('encodes the resource as JSON without resourceVersion and decodes it back with the mod_revision', () => {
    const value = encodeResource(pool);
    expect(JSON.parse(value)).toEqual({ ...pool, metadata: { name: 'p1', uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z', labels: { a: 'b' } } });
    const back = decodeResource(kindInfo('IPPool'), { namespace: '', name: 'p1' }, Buffer.from(value), '77');
    expect(back).toEqual({ ok: true, resource: { ...pool, metadata: { ...pool.metadata, resourceVersion: '77' } } });
  });

  it('takes name and namespace from the key, not from the value', () => {
    const value = JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name: 'liar', namespace: 'other' } });
    const r = decodeResource(kindInfo('NetworkSet'), { namespace: 'ns', name: 'real' }, value, '3');
    expect(r.ok && r.resource.metadata).toEqual({ name: 'real', namespace: 'ns', resourceVersion: '3' });
    const cluster = decodeResource(kindInfo('IPPool'), { namespace: '', name: 'p' }, JSON.stringify({ kind: 'IPPool', metadata: { namespace: 'x' } }), '4');
    expect(cluster.ok && cluster.resource).toEqual({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p', resourceVersion: '4' } });
  });

  const bad: Array<{ name: string; value: string; reason: RegExp }> = [
    { name: 'not JSON', value: '{x', reason: /not JSON/ },
    { name: 'array', value: '[]', reason: /not a JSON object/ },
    { name: 'null', value: 'null', reason: /not a JSON object/ },
    { name: 'other kind', value: '{"kind":"Tier","metadata":{}}', reason: /kind "Tier" stored under ippools/ },
    { name: 'metadata not an object', value: '{"kind":"IPPool","metadata":"x"}', reason: /metadata/ },
  ];
  it.each(bad)('refuses a value that is $name', ({ value, reason }) => {
    const r = decodeResource(kindInfo('IPPool'), { namespace: '', name: 'p' }, value, '1');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });
});
