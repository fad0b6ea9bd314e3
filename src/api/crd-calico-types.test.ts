// Every field Gingham's CRDs type must have the type (and int64/int32 format) Calico's CRDs give it, so that a cluster
// where Calico's CRDs are installed accepts what Gingham writes (issue 14, defect 2). The reference is a type map
// extracted from Calico's CRDs (testdata/calico-crd-field-types.json names the commit); fields Gingham leaves open
// (x-kubernetes-preserve-unknown-fields) or Calico does not have are not compared.
import fs from 'node:fs';
import path from 'node:path';
import { crdKinds, type JsonSchema } from './crd-schema';

interface Reference {
  readonly source: string;
  readonly kinds: Record<string, Record<string, string>>;
}

const reference = JSON.parse(fs.readFileSync(path.join(__dirname, 'testdata', 'calico-crd-field-types.json'), 'utf8')) as Reference;

function typesOf(s: JsonSchema | undefined, p: string, out: Map<string, string>): void {
  if (!s) return;
  let t = s['x-kubernetes-int-or-string'] === true ? 'int-or-string' : typeof s.type === 'string' ? s.type : '';
  if (typeof s.format === 'string' && t !== 'int-or-string') t += `/${s.format}`;
  if (t !== '') out.set(p, t);
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) typesOf(v, `${p}.${k}`, out);
  if (s.items) typesOf(s.items as JsonSchema, `${p}[]`, out);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') typesOf(s.additionalProperties as JsonSchema, `${p}{}`, out);
}

/** Calico types integers int64 or int32; a plain "integer" with no format compares equal to either in JSON. */
function compatible(ours: string, theirs: string): boolean {
  if (ours === theirs) return true;
  if (ours === 'integer' && theirs.startsWith('integer/')) return true;
  // A date-time format is a string on the wire.
  if (ours === 'string' && theirs.startsWith('string/')) return true;
  return false;
}

describe("CRD field types against Calico's CRDs", () => {
  const kinds = crdKinds().filter((k) => reference.kinds[k.kind] !== undefined);

  it('compares the kinds both ship', () => {
    expect(kinds.map((k) => k.kind)).toEqual(expect.arrayContaining(['IPAMBlock', 'IPPool', 'BlockAffinity', 'BGPPeer', 'FelixConfiguration']));
  });

  it.each(kinds.map((k) => [k.kind, k] as const))('%s: every typed field has Calico\'s type', (_kind, k) => {
    const ours = new Map<string, string>();
    typesOf(k.spec, 'spec', ours);
    if (k.status) typesOf(k.status, 'status', ours);
    const theirs = reference.kinds[k.kind] ?? {};
    const mismatches: string[] = [];
    for (const [p, t] of ours) {
      const c = theirs[p];
      if (c === undefined || c === '' || p === 'spec' || p === 'status') continue;
      if (!compatible(t, c)) mismatches.push(`${p}: ours ${t}, Calico ${c}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('IPAMBlock sequence numbers are int64 integers as in Calico', () => {
    const ours = new Map<string, string>();
    typesOf(crdKinds().find((k) => k.kind === 'IPAMBlock')?.spec, 'spec', ours);
    expect(ours.get('spec.sequenceNumber')).toBe('integer/int64');
    expect(ours.get('spec.sequenceNumberForAllocation{}')).toBe('integer/int64');
  });
});
