import { k8sNetworkPolicyToCalico, namespaceToProfile } from '../api/k8s';
import type { WorkloadEndpoint } from '../api/kind-workload-endpoint';
import { PolicyDataplane } from './policy-dataplane';
import type { CommandResult, NftRunner } from './tables/nft-command';

class FakeNft implements NftRunner {
  scripts: string[] = [];
  async run(args: readonly string[], stdin?: string): Promise<CommandResult> {
    if (args[0] === '-j') return { code: 1, stdout: '', stderr: 'Error: No such file or directory' };
    this.scripts.push(stdin ?? '');
    return { code: 0, stdout: '', stderr: '' };
  }
}

function wep(name: string, node: string, ips: string[], labels: Record<string, string>): WorkloadEndpoint {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: { name, namespace: 'x', labels: { ...labels, 'projectcalico.org/namespace': 'x', 'projectcalico.org/orchestrator': 'k8s' } },
    spec: { node, interfaceName: `cali${name}`, ipNetworks: ips, profiles: ['kns.x'] },
  };
}

describe('PolicyDataplane', () => {
  it('programs both families, local endpoints only, and then only what a change touches', async () => {
    const nft = new FakeNft();
    const dp = new PolicyDataplane({ nodeName: 'n1', runner: nft });
    dp.setProfile(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }));
    dp.setWorkloadEndpoint(wep('a', 'n1', ['10.0.0.1/32', 'fd00::1/128'], { pod: 'a' }));
    dp.setWorkloadEndpoint(wep('b', 'n2', ['10.0.0.2/32', 'fd00::2/128'], { pod: 'b' }));
    dp.setNetworkPolicy(
      k8sNetworkPolicyToCalico({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'p', namespace: 'x' },
        spec: { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] },
      }),
    );
    await dp.apply();
    expect(nft.scripts).toHaveLength(2);
    expect(nft.scripts[0]).toContain('"calia" : goto tw-');
    expect(nft.scripts[0]).not.toContain('"calib"');
    expect(nft.scripts[0]).toMatch(/add set ip gingham (s[0-9a-f]{16}) \{ type ipv4_addr; elements = \{ 10\.0\.0\.2 \} \}/);
    expect(nft.scripts[1]).toMatch(/add set ip6 gingham (s[0-9a-f]{16}) \{ type ipv6_addr; elements = \{ fd00::2 \} \}/);
    // The remote peer moves: only the set elements change, in each family.
    dp.setWorkloadEndpoint(wep('b', 'n2', ['10.0.0.7/32', 'fd00::7/128'], { pod: 'b' }));
    await dp.apply();
    expect(nft.scripts[2]).toMatch(/^add table ip gingham\nflush set ip gingham s\w+\nadd set ip gingham s\w+ \{ type ipv4_addr; elements = \{ 10\.0\.0\.7 \} \}\n$/);
    expect(nft.scripts[3]).toMatch(/^add table ip6 gingham\nflush set ip6 gingham s\w+\nadd set ip6 gingham s\w+ \{ type ipv6_addr; elements = \{ fd00::7 \} \}\n$/);
  });

  it('tells a waiter when a local endpoint\'s policy is in the kernel, and not while nft refuses it', async () => {
    const nft = new FakeNft();
    const dp = new PolicyDataplane({ nodeName: 'n1', runner: nft, families: [4] });
    const local = { ...wep('a', 'n1', ['10.0.0.1/32'], { pod: 'a' }), metadata: { ...wep('a', 'n1', [], {}).metadata, resourceVersion: '7' } };
    dp.setWorkloadEndpoint(local);
    const refuse = jest.spyOn(nft, 'run').mockResolvedValueOnce({ code: 1, stdout: '', stderr: 'Error: refused' });
    await expect(dp.apply()).rejects.toThrow();
    refuse.mockRestore();
    await expect(dp.programmed.whenProgrammed('x/a', '7', 0)).resolves.toBe(false);
    const waiting = dp.programmed.whenProgrammed('x/a', '7', 5000);
    await dp.apply();
    await expect(waiting).resolves.toBe(true);
    dp.setWorkloadEndpoint({ ...local, metadata: { ...local.metadata, resourceVersion: '8' } });
    await expect(dp.programmed.whenProgrammed('x/a', '8', 0)).resolves.toBe(false);
  });

  it('switches the denied-flow log with FelixConfiguration: log rules and the nflog socket on, both gone when off', async () => {
    const nft = new FakeNft();
    const opened: Array<{ group: number; closed: boolean }> = [];
    const dp = new PolicyDataplane({
      nodeName: 'n1',
      runner: nft,
      families: [4],
      nflog: (group) => {
        const h = { group, closed: false };
        opened.push(h);
        return Promise.resolve({ overruns: 0, close: () => void (h.closed = true) });
      },
    });
    dp.setProfile(namespaceToProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }));
    dp.setWorkloadEndpoint(wep('a', 'n1', ['10.0.0.1/32'], { pod: 'a' }));
    await dp.apply();
    expect(nft.scripts.join('')).not.toContain('log prefix');
    expect(opened).toEqual([]);
    const felix = (spec: Record<string, unknown>, name = 'default') => dp.setFelixConfiguration({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec });
    // Another node's configuration changes nothing here.
    felix({ flowLogsFileEnabled: true }, 'node.n2');
    await dp.apply();
    expect(opened).toEqual([]);
    felix({ flowLogsFileEnabled: true, flowLogsFileDirectory: '/tmp/none', flowLogsDeniedRateLimit: 10 });
    await dp.apply();
    expect(nft.scripts.at(-1)).toContain('limit rate 10/second burst 5 packets log prefix "gr/i///end" group 20');
    expect(opened).toEqual([{ group: 20, closed: false }]);
    expect(dp.flowLogStatus().settings?.file).toBe('/tmp/none/flows-denied.log');
    felix({ flowLogsFileEnabled: false }, 'node.n1');
    await dp.apply();
    expect(nft.scripts.at(-1)).not.toContain('log prefix');
    expect(opened).toEqual([{ group: 20, closed: true }]);
    expect(dp.resolveRef('gr/i///end')).toEqual({ tier: '', policy: '', direction: 'ingress', rule: 'end-of-tier' });
  });
});
