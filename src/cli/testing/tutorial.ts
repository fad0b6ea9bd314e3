// Test support: the tutorial's projectcalico.org/v3 manifests (src/api/testdata/tutorial, copied verbatim from
// the Calico tutorial) and what `gingham get -o yaml` must show after applying them: the same resource plus Calico's
// defaults, plus the metadata the datastore sets (uid, resourceVersion, creationTimestamp), which stripServerFields
// removes before comparing.
import fs from 'node:fs';
import path from 'node:path';
import { parseResources } from '../../api/parse';
import { applyDefaults, type Resource } from '../../api/resource';

export const TUTORIAL_DIR = path.join(__dirname, '..', '..', 'api', 'testdata', 'tutorial');

/** The tutorial files that are Calico resources, with the command that reads each back. */
export const TUTORIAL_MANIFESTS: ReadonlyArray<{ file: string; get: readonly string[] }> = [
  { file: '01-calico-reflector-master.yaml', get: ['node', 'master1'] },
  { file: '02-calico-reflector-bgppeer.yaml', get: ['bgppeer', 'bgppeer-demo'] },
  { file: '03-calico-reflector-defaultconfig.yaml', get: ['bgpconfig', 'default'] },
  { file: 'default-ipv4-ippool.yaml', get: ['ippool', 'default-ipv4-ippool'] },
  { file: '11-calico-networkpolicy-global.yaml', get: ['gnp', 'namespaces-default'] },
];

/** The tutorial's Kubernetes NetworkPolicy (networking.k8s.io/v1): kubectl's business, refused with a clear message. */
export const TUTORIAL_KUBERNETES_POLICY = '06-calico-networkpolicy-denyall.yaml';

export function tutorialPath(file: string): string {
  return path.join(TUTORIAL_DIR, file);
}

/** What reading `file` back must give: its one resource with defaults applied. */
export function expectedReadBack(file: string): Resource {
  const parsed = parseResources(fs.readFileSync(tutorialPath(file), 'utf8'), file);
  if (parsed.length !== 1 || !parsed[0]) throw new Error(`${file}: expected exactly one resource`);
  return applyDefaults(parsed[0].resource);
}

/** The one resource a `get KIND NAME -o yaml` printed, without the fields the datastore sets. */
export function readBack(yamlText: string): Resource {
  const parsed = parseResources(yamlText, 'get -o yaml');
  if (parsed.length !== 1 || !parsed[0]) throw new Error(`get -o yaml printed ${parsed.length} resources`);
  return stripServerFields(parsed[0].resource);
}

export function stripServerFields(r: Resource): Resource {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, ...metadata } = r.metadata;
  return { ...r, metadata };
}
