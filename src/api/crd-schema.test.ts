import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { chartCrdKinds, crdFiles, crdKinds, crdObject, type JsonSchema } from './crd-schema';
import { parseResources } from './parse';
import { applyDefaults } from './resource';

const CRD_DIR = path.join(__dirname, '..', '..', 'charts', 'gingham', 'crds');
const TUTORIAL = path.join(__dirname, 'testdata', 'tutorial');

type Node = Record<string, unknown>;

/** Every schema node with its path, depth first. */
function walk(node: Node, at: string, visit: (n: Node, at: string) => void): void {
  visit(node, at);
  for (const [k, v] of Object.entries((node.properties as Record<string, Node> | undefined) ?? {})) walk(v, `${at}.${k}`, visit);
  if (node.items) walk(node.items as Node, `${at}[]`, visit);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties as Node, `${at}{}`, visit);
}

/** The schema as the API server applies it: fields it does not know are pruned, i.e. lost. Here they fail. */
function pruningView(node: Node): Node {
  const out: Node = { ...node };
  delete out['x-kubernetes-int-or-string'];
  const open = out['x-kubernetes-preserve-unknown-fields'] === true;
  delete out['x-kubernetes-preserve-unknown-fields'];
  if (out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Node>).map(([k, v]) => [k, pruningView(v)]));
    if (!open) out.additionalProperties = false;
  }
  if (out.items) out.items = pruningView(out.items as Node);
  if (typeof out.additionalProperties === 'object') out.additionalProperties = pruningView(out.additionalProperties as Node);
  return out;
}

function openApiSchema(plural: string): Node {
  const k = chartCrdKinds().find((c) => c.plural === plural);
  if (!k) throw new Error(`no CRD for ${plural}`);
  const crd = crdObject(k) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Node } }> } };
  return crd.spec.versions[0]?.schema.openAPIV3Schema as Node;
}

describe('generated CRDs', () => {
  it('charts/gingham/crds holds exactly what `npm run gen:crds` writes', () => {
    const want = crdFiles();
    const have = fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'));
    expect(have.sort()).toEqual([...want.keys()].sort());
    for (const [name, text] of want) {
      // A mismatch means a kind's fields changed without regenerating: run `npm run gen:crds`.
      expect({ name, text: fs.readFileSync(path.join(CRD_DIR, name), 'utf8') }).toEqual({ name, text });
    }
  });

  it('covers every Calico CRD plural, with Calico v1 names and scopes', () => {
    const byPlural = new Map(crdKinds().map((k) => [k.plural, k]));
    expect([...byPlural.keys()]).toEqual(
      expect.arrayContaining(['bgpconfigurations', 'bgpfilters', 'bgppeers', 'blockaffinities', 'felixconfigurations', 'globalnetworkpolicies', 'ipamblocks', 'ipamconfigs', 'ipamhandles', 'ippools', 'networkpolicies']),
    );
    expect(byPlural.get('ipamconfigs')?.kind).toBe('IPAMConfig');
    expect(byPlural.get('networkpolicies')?.namespaced).toBe(true);
    expect(byPlural.get('ippools')?.namespaced).toBe(false);
    expect(byPlural.has('nodes')).toBe(false);
  });

  it.each(chartCrdKinds().map((k) => k.plural))('%s has a structural schema', (plural) => {
    const problems: string[] = [];
    walk(openApiSchema(plural), plural, (n, at) => {
      const intOrString = n['x-kubernetes-int-or-string'] === true;
      if (typeof n.type !== 'string' && !intOrString && n['x-kubernetes-preserve-unknown-fields'] !== true) problems.push(`${at}: no type`);
      if (n.anyOf && !intOrString) problems.push(`${at}: anyOf outside int-or-string`);
      if (n.properties && typeof n.additionalProperties === 'object') problems.push(`${at}: properties with additionalProperties`);
      if ((n.properties || n.additionalProperties) && n.type !== 'object') problems.push(`${at}: properties on a non-object`);
      if (n.items && n.type !== 'array') problems.push(`${at}: items on a non-array`);
    });
    expect(problems).toEqual([]);
  });

  it("keeps every field of the tutorial's resources (nothing pruned) and rejects wrong types", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const files = fs.readdirSync(TUTORIAL).filter((f) => f.endsWith('.yaml') && !/^apiVersion: (v1|apps\/v1|networking\.k8s\.io\/v1)\s*$/m.test(fs.readFileSync(path.join(TUTORIAL, f), 'utf8')));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      for (const { resource } of parseResources(fs.readFileSync(path.join(TUTORIAL, file), 'utf8'), file)) {
        const res = applyDefaults(resource);
        const plural = crdKinds().find((k) => k.kind === res.kind)?.plural;
        if (plural === undefined) continue; // Node: stored on the Kubernetes Node, not in a CRD
        const validate = ajv.compile(pruningView(openApiSchema(plural) as JsonSchema));
        const cr = { apiVersion: 'crd.projectcalico.org/v1', kind: res.kind, metadata: { name: res.metadata.name }, spec: res.spec };
        expect({ file, ok: validate(cr), errors: validate.errors ?? null }).toEqual({ file, ok: true, errors: null });
      }
    }
    const pools = ajv.compile(pruningView(openApiSchema('ippools')));
    expect(pools({ apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: {}, spec: { cidr: '10.0.0.0/8', blockSize: 'big' } })).toBe(false);
    expect(pools({ apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: {}, spec: { cidr: '10.0.0.0/8', colour: 'red' } })).toBe(false);
    const affinities = ajv.compile(pruningView(openApiSchema('blockaffinities')));
    expect(affinities({ apiVersion: 'crd.projectcalico.org/v1', kind: 'BlockAffinity', metadata: {}, spec: { cidr: '10.0.0.0/26', node: 'n', state: 'confirmed', deleted: 'false' } })).toBe(true);
  });
});
