import { kindInfo } from '../kinds';
import { CALICO_V3_ROOT, collectionPrefix, parseResourceKey, resourceKey } from './etcd-keys';

const R = CALICO_V3_ROOT;

describe('etcd key layout', () => {
  const keys: Array<{ name: string; kind: string; namespace: string; res: string; want: string }> = [
    { name: 'cluster-scoped', kind: 'IPPool', namespace: '', res: 'default-ipv4-ippool', want: `${R}/ippools/default-ipv4-ippool` },
    { name: 'namespaced', kind: 'NetworkPolicy', namespace: 'prod', res: 'default.allow', want: `${R}/networkpolicies/prod/default.allow` },
    { name: 'IPAMConfiguration uses libcalico-go segment', kind: 'IPAMConfiguration', namespace: '', res: 'default', want: `${R}/ipamconfigs/default` },
    { name: 'workload endpoint', kind: 'WorkloadEndpoint', namespace: 'ns1', res: 'node1-k8s-pod--a-eth0', want: `${R}/workloadendpoints/ns1/node1-k8s-pod--a-eth0` },
  ];
  it.each(keys)('resourceKey: $name', ({ kind, namespace, res, want }) => {
    const info = kindInfo(kind);
    expect(resourceKey(R, info, namespace, res)).toBe(want);
    expect(parseResourceKey(R, info, want)).toEqual({ namespace, name: res });
  });

  const prefixes: Array<{ name: string; kind: string; namespace?: string; namePrefix?: string; want: string }> = [
    { name: 'whole cluster kind', kind: 'IPPool', want: `${R}/ippools/` },
    { name: 'cluster kind, name prefix', kind: 'IPPool', namePrefix: 'default-', want: `${R}/ippools/default-` },
    { name: 'namespaced kind, every namespace', kind: 'NetworkSet', want: `${R}/networksets/` },
    { name: 'namespaced kind, one namespace', kind: 'NetworkSet', namespace: 'a', want: `${R}/networksets/a/` },
    { name: 'namespaced kind, one namespace, name prefix', kind: 'NetworkSet', namespace: 'a', namePrefix: 'x', want: `${R}/networksets/a/x` },
    { name: 'name prefix ignored without namespace', kind: 'NetworkSet', namePrefix: 'x', want: `${R}/networksets/` },
  ];
  it.each(prefixes)('collectionPrefix: $name', ({ kind, namespace, namePrefix, want }) => {
    expect(collectionPrefix(R, kindInfo(kind), namespace, namePrefix)).toBe(want);
  });

  const foreign: Array<{ name: string; kind: string; key: string }> = [
    { name: 'other segment sharing a prefix', kind: 'IPPool', key: `${R}/ippoolsx/a` },
    { name: 'other kind', kind: 'IPPool', key: `${R}/bgppeers/a` },
    { name: 'extra segment under a cluster kind', kind: 'IPPool', key: `${R}/ippools/a/b` },
    { name: 'missing namespace', kind: 'NetworkSet', key: `${R}/networksets/a` },
    { name: 'empty name', kind: 'NetworkSet', key: `${R}/networksets/a/` },
    { name: 'other root', kind: 'IPPool', key: '/calico/ipam/v2/ippools/a' },
  ];
  it.each(foreign)('parseResourceKey rejects: $name', ({ kind, key }) => {
    expect(parseResourceKey(R, kindInfo(kind), key)).toBeUndefined();
  });
});
