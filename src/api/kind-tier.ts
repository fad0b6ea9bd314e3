// Tier: an ordered group of policies (api/pkg/apis/projectcalico/v3/tier.go). Tiers apply by `order` (absent =
// last, ties by name); a packet that matches policies of a tier but no rule in them meets the tier's defaultAction
// (Deny, or Pass to the next tier). The built-in tiers have fixed orders and actions (the CRD's x-validations).

import type { Problems } from './errors';
import { clone, type KindInfo, type Resource } from './meta';
import { f, num, obj, str } from './schema';

export type TierAction = 'Deny' | 'Pass';

export interface TierSpec {
  order?: number;
  defaultAction?: TierAction;
}

export type Tier = Resource<'Tier', TierSpec>;

export const DEFAULT_TIER = 'default';

/** Built-in tiers (tier.go KubeAdminTierOrder, DefaultTierOrder, KubeBaselineTierOrder). */
export const BUILTIN_TIERS: Readonly<Record<string, { order: number; defaultAction: TierAction }>> = {
  'kube-admin': { order: 1_000, defaultAction: 'Pass' },
  default: { order: 1_000_000, defaultAction: 'Deny' },
  'kube-baseline': { order: 10_000_000, defaultAction: 'Pass' },
};

/** The `default` tier as Calico creates it on start-up. */
export function defaultTier(): Tier {
  return { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: DEFAULT_TIER }, spec: { ...BUILTIN_TIERS.default } };
}

const specShape = obj([f('order', num, true), f('defaultAction', str)]);

function validate(res: Tier, p: Problems): void {
  const s = res.spec ?? {};
  const name = res.metadata.name;
  // Tier names become part of policy names ("<tier>.<policy>"), so they are DNS labels: no dots.
  if (name && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) p.add('metadata.name', 'must be a DNS label (lower-case letters, digits and "-", at most 63 characters)');
  if (s.order !== undefined && !Number.isFinite(s.order)) p.add('spec.order', 'must be a finite number');
  if (s.defaultAction !== undefined && s.defaultAction !== 'Deny' && s.defaultAction !== 'Pass') p.add('spec.defaultAction', 'must be one of Deny, Pass');
  const builtin = BUILTIN_TIERS[name];
  if (builtin) {
    if (s.order !== builtin.order) p.add('spec.order', `the "${name}" tier's order must be ${builtin.order}`);
    if (s.defaultAction !== builtin.defaultAction) p.add('spec.defaultAction', `the "${name}" tier must have default action ${builtin.defaultAction}`);
  }
}

export const tierKind: KindInfo<Tier> = {
  kind: 'Tier',
  plural: 'tiers',
  aliases: ['tier'],
  namespaced: false,
  specShape,
  defaults: (res) => {
    const out = clone(res);
    out.spec ??= {};
    const builtin = BUILTIN_TIERS[out.metadata.name];
    if (builtin && out.spec.order === undefined) out.spec.order = builtin.order;
    out.spec.defaultAction ??= builtin?.defaultAction ?? 'Deny';
    return out;
  },
  validate,
};
