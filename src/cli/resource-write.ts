// create / apply / replace as one all-or-nothing change. calicoctl writes resource by resource and stops half way on
// the first failure; Gingham first checks every resource (shape, defaults + validation, read-only kinds, existence,
// resourceVersion, immutable fields) against the datastore and writes nothing if any check fails. Only then does it
// write, in file order; if a write still fails (a concurrent change), the writes already made are undone.
//
// Metadata as calicoctl sends it (resourcemgr.go): a create keeps only name, namespace, labels and annotations; an
// update keeps the stored metadata and merges the new labels and annotations into it (so apply never drops a label:
// `gingham label KEY-` does). A resourceVersion in the file must be the stored one.
import { checkUpdate } from '../api/immutable';
import { applyDefaults, kindInfo, resourceId, validateResource, type ObjectMeta, type Resource } from '../api/resource';
import { isDatastoreError, DatastoreErrorCode, type Datastore } from '../datastore';
import { describeError } from '../lib/errors';
import { describeFailure } from './resource-errors';
import { locationOf, type LocatedResource } from './resource-input';

export type WriteAction = 'create' | 'apply' | 'replace';

export interface PlannedWrite {
  readonly item: LocatedResource;
  readonly op: 'create' | 'update' | 'skip';
  /** What is stored now (update), or undefined (create). */
  readonly before?: Resource;
  /** What will be written: defaults applied, metadata prepared. */
  readonly next: Resource;
}

function keyOf(r: Resource): string {
  return `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
}

/** Only the metadata a user may set on create (prepareMetadataForCreate). */
function createMeta(m: ObjectMeta): ObjectMeta {
  return {
    name: m.name,
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.labels && Object.keys(m.labels).length > 0 ? { labels: { ...m.labels } } : {}),
    ...(m.annotations && Object.keys(m.annotations).length > 0 ? { annotations: { ...m.annotations } } : {}),
  };
}

/** The stored metadata with the new labels and annotations merged in (mergeMetadataForUpdate). */
function updateMeta(stored: ObjectMeta, next: ObjectMeta): ObjectMeta {
  const labels = { ...(stored.labels ?? {}), ...(next.labels ?? {}) };
  const annotations = { ...(stored.annotations ?? {}), ...(next.annotations ?? {}) };
  const out: ObjectMeta = { ...stored };
  if (Object.keys(labels).length > 0) out.labels = labels;
  if (Object.keys(annotations).length > 0) out.annotations = annotations;
  return out;
}

/** Shape, defaults and validation of one resource; returns the defaulted resource or the problem. */
export function checkResource(res: Resource, action: string): Resource | string {
  const info = kindInfo(res.kind);
  if (info?.readOnly && action !== 'validate') return `operation ${action} is not supported on ${res.kind}: resource is readonly`;
  try {
    const defaulted = applyDefaults({ ...res, metadata: createMeta(res.metadata) });
    validateResource(defaulted);
    return { ...defaulted, metadata: { ...res.metadata, ...(defaulted.metadata.namespace ? { namespace: defaulted.metadata.namespace } : {}) } };
  } catch (err) {
    return describeError(err, { codes: false });
  }
}

async function stored(ds: Datastore, res: Resource): Promise<Resource | undefined> {
  try {
    return await ds.get<Resource>(res.kind, res.metadata.name, res.metadata.namespace);
  } catch (err) {
    if (isDatastoreError(err, DatastoreErrorCode.NotFound)) return undefined;
    throw err;
  }
}

export interface PlanResult {
  readonly plan: PlannedWrite[];
  /** One line per problem, each starting with the resource's location. Empty when the plan may run. */
  readonly errors: string[];
}

/** Checks every resource and decides each write. Datastore failures other than NotFound propagate. */
export async function planWrites(ds: Datastore, items: readonly LocatedResource[], action: WriteAction, opts: { skipExists?: boolean } = {}): Promise<PlanResult> {
  const plan: PlannedWrite[] = [];
  const errors: string[] = [];
  // Resources written earlier in the same batch, as they will be once written.
  const pending = new Map<string, Resource>();
  for (const item of items) {
    const checked = checkResource(item.resource, action);
    if (typeof checked === 'string') {
      errors.push(`${locationOf(item)}: ${checked}`);
      continue;
    }
    const key = keyOf(checked);
    const current = pending.has(key) ? pending.get(key) : await stored(ds, checked);
    const id = resourceId(checked);
    if (current === undefined) {
      if (action === 'replace') {
        errors.push(`${locationOf(item)}: resource does not exist: ${id}`);
        continue;
      }
      const next = { ...checked, metadata: createMeta(checked.metadata) };
      plan.push({ item, op: 'create', next });
      pending.set(key, next);
      continue;
    }
    if (action === 'create') {
      if (opts.skipExists) plan.push({ item, op: 'skip', next: checked });
      else errors.push(`${locationOf(item)}: resource already exists: ${id}`);
      continue;
    }
    const rv = item.resource.metadata.resourceVersion;
    if (rv && current.metadata.resourceVersion && rv !== current.metadata.resourceVersion) {
      errors.push(
        `${locationOf(item)}: update conflict: ${id}: Resource version '${rv}' is out of date (latest: ${current.metadata.resourceVersion}). Update the resource YAML/JSON in order to make changes.`,
      );
      continue;
    }
    const next: Resource = { ...checked, metadata: updateMeta(current.metadata, checked.metadata) };
    try {
      checkUpdate(applyDefaults(current), next);
    } catch (err) {
      errors.push(`${locationOf(item)}: ${describeError(err, { codes: false })}`);
      continue;
    }
    plan.push({ item, op: 'update', before: current, next });
    pending.set(key, next);
  }
  return { plan, errors };
}

export interface WriteResult {
  readonly written: Resource[];
  /** Set when a write failed: the failure, and what happened to the writes made before it. */
  readonly error?: string;
}

/** Runs a plan in order; on a failure undoes the earlier writes (newest first) and says whether that worked. */
export async function executeWrites(ds: Datastore, plan: readonly PlannedWrite[]): Promise<WriteResult> {
  const done: Array<{ w: PlannedWrite; after: Resource }> = [];
  for (const w of plan) {
    try {
      let after: Resource;
      if (w.op === 'skip') after = w.next;
      else if (w.op === 'create') after = await ds.create(w.next);
      else {
        // Guarded by the resourceVersion read while planning, unless this batch wrote it first.
        const written = done.find((d) => d.w.op !== 'skip' && keyOf(d.after) === keyOf(w.next));
        const rv = written ? written.after.metadata.resourceVersion : w.before?.metadata.resourceVersion;
        after = await ds.update({ ...w.next, metadata: { ...w.next.metadata, ...(rv ? { resourceVersion: rv } : {}) } });
      }
      done.push({ w, after });
    } catch (err) {
      const failure = `${locationOf(w.item)}: ${describeFailure(err, w.next)}`;
      const undo = await rollback(ds, done);
      return { written: [], error: undo === '' ? failure : `${failure}\n${undo}` };
    }
  }
  return { written: done.map((d) => d.after) };
}

async function rollback(ds: Datastore, done: ReadonlyArray<{ w: PlannedWrite; after: Resource }>): Promise<string> {
  const changed = done.filter((d) => d.w.op !== 'skip');
  if (changed.length === 0) return '';
  const failures: string[] = [];
  for (const { w, after } of [...changed].reverse()) {
    const { kind, metadata } = after;
    try {
      if (w.op === 'create') await ds.delete(kind, metadata.name, metadata.namespace, { resourceVersion: metadata.resourceVersion });
      else if (w.before) await ds.update({ ...w.before, metadata: { ...w.before.metadata, resourceVersion: metadata.resourceVersion } });
    } catch (err) {
      failures.push(`${resourceId(after)}: ${describeFailure(err, after)}`);
    }
  }
  return failures.length === 0
    ? `The ${changed.length} earlier change(s) of this command were undone.`
    : `Could not undo every earlier change of this command: ${failures.join('; ')}`;
}
