import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliHarness } from './testing/cli-harness';

const MANIFEST = `apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata:
  name: deny-db
spec:
  order: 5
  selector: app == 'db'
  ingress:
  - action: Deny
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata:
  name: gone
  namespace: shop
spec:
  stagedAction: Delete
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: [Ingress]
`;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gingham-cli-staged-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('gingham apply/get/delete of staged policies', () => {
  it('stores the three staged kinds with their defaults, lists them with their tables and deletes them', async () => {
    const h = cliHarness();
    const f = path.join(tmp, 'staged.yaml');
    fs.writeFileSync(f, MANIFEST);
    const r = await h.run('apply', '-f', f);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await h.run('get', 'sgnp', '-o', 'wide')).stdout).toBe("NAME      TIER      ORDER   SELECTOR\ndeny-db   default   5       app == 'db'\n\n");
    expect((await h.run('get', 'stagednetworkpolicies', '-n', 'shop')).stdout).toBe('NAMESPACE   NAME   TIER\nshop        gone   default\n\n');
    expect((await h.run('get', 'sknp', '-A')).stdout).toBe('NAMESPACE   NAME\nshop        web\n\n');
    const stored = await h.store.get('StagedGlobalNetworkPolicy', 'deny-db');
    expect(stored.spec).toEqual({ stagedAction: 'Set', tier: 'default', order: 5, selector: "app == 'db'", ingress: [{ action: 'Deny' }], types: ['Ingress'] });
    expect((await h.run('delete', '-f', f)).code).toBe(0);
    expect((await h.run('get', 'sknp', '-A')).stdout).toBe('NAMESPACE   NAME\n\n');
  });

  it('refuses a Delete that carries a policy field, naming the field', async () => {
    const h = cliHarness();
    const f = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(f, 'apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\nmetadata:\n  name: g\nspec:\n  stagedAction: Delete\n  selector: all()\n');
    const r = await h.run('apply', '-f', f);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.selector');
    expect(r.stderr).toContain('must be empty when spec.stagedAction is Delete');
  });
});
