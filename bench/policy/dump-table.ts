// Writes the bench cluster's rendered nft table as one script, then the transactions of label changes (a fixture
// for micro-benchmarks of nft transactions): `node dump-table.js OUTDIR [CHANGES]` writes table.nft, per change
// change-N.nft (the sync) and collect-N.nft (the deletion of what it left unreferenced), and final.nft.
import { writeFileSync } from 'node:fs';
import { decodeNamespace, k8sNetworkPolicyToCalico, namespaceToProfile } from '../../src/api/k8s';
import { PolicyDataplane } from '../../src/felix/policy-dataplane';
import { RulesetBuilder } from '../../src/felix/rules/ruleset';
import { TableRenderer, tableScript } from '../../src/felix/tables/nft-render';
import { NftTableOwner } from '../../src/felix/tables/table-owner';
import { benchWep, DEFAULT_SPEC, generateCluster, NODE, type BenchPod } from './cluster';

async function main(): Promise<void> {
  const [out = '.', n = '5'] = process.argv.slice(2);
  const c = generateCluster(DEFAULT_SPEC);
  const dp = new PolicyDataplane({ nodeName: NODE, runner: { run: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }) }, families: [4] });
  for (const ns of c.namespaces) dp.setProfile(namespaceToProfile(decodeNamespace(ns)));
  for (const p of c.pods) dp.setWorkloadEndpoint(p.wep);
  for (const p of c.k8sPolicies) dp.setNetworkPolicy(k8sNetworkPolicyToCalico(p));
  for (const p of c.globalPolicies) dp.setGlobalNetworkPolicy(p);
  const builder = new RulesetBuilder(4);
  const renderer = new TableRenderer('gingham');
  const scripts: string[] = [];
  const owner = new NftTableOwner({ run: (args, stdin) => (scripts.push(stdin ?? ''), Promise.resolve(args[0] === '-j' ? { code: 1, stdout: '', stderr: 'No such file or directory' } : { code: 0, stdout: '', stderr: '' })) }, 'ip');
  const first = renderer.render(builder.build(dp.resolver, dp.resolver.takeChanges()));
  writeFileSync(`${out}/table.nft`, tableScript(first));
  await owner.sync(first);
  const apps = [...new Set(c.pods.map((p) => p.pod.metadata.labels?.app as string))];
  for (let i = 0; i < Number(n); i++) {
    const p = c.pods[2 + (i % 98)] as BenchPod;
    const pod = { ...p.pod, metadata: { ...p.pod.metadata, labels: { ...p.pod.metadata.labels, app: apps[(i * 7) % apps.length] as string } } };
    dp.setWorkloadEndpoint(benchWep(pod, p.ip, p.iface, true));
    scripts.length = 0;
    await owner.sync(renderer.render(builder.build(dp.resolver, dp.resolver.takeChanges())));
    writeFileSync(`${out}/change-${i}.nft`, scripts.join(''));
    scripts.length = 0;
    await owner.collect();
    writeFileSync(`${out}/collect-${i}.nft`, scripts.join(''));
  }
  writeFileSync(`${out}/final.nft`, tableScript(renderer.render(builder.build(dp.resolver))));
}
void main();
