// An incremental index of which selectors match which labelled items (endpoints, network sets), after Felix's
// labelindex (felix/labelindex/label_inheritance_index.go, labelrestrictionindex/label_restriction_index.go):
// - an item's labels are its own over those of its parents (profiles: namespace `pcns.*`, service account
//   `pcsa.*`); the first parent holding a label wins, the item's own label wins over every parent;
// - each selector is filed under one label it requires (a value list or mere presence), so that an item change
//   evaluates only the selectors filed under the item's labels plus those with no usable restriction;
// - items are filed by label and value, so that a new selector evaluates only items that can satisfy it.
// Matches are reported as they start and stop; `stats` counts evaluations so tests can check the work done.

import type { LabelMap, Selector, SelectorNode } from '../../api/selector';

export interface MatchListener {
  matchStarted(selectorId: string, itemId: string): void;
  matchStopped(selectorId: string, itemId: string): void;
}

export interface IndexStats {
  /** Selector evaluations against one item's labels. */
  evaluations: number;
}

/** A label every match requires: one of `values`, or (values undefined) any value. */
interface Restriction {
  readonly label: string;
  readonly values?: readonly string[];
}

/** The necessary conditions a selector puts on single labels (conjunction members only). */
export function requiredLabels(node: SelectorNode): Restriction[] {
  switch (node.op) {
    case 'eq':
      return [{ label: node.label, values: [node.value] }];
    case 'in':
      return [{ label: node.label, values: node.values }];
    case 'has':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return [{ label: node.label }];
    case 'and':
      return node.operands.flatMap(requiredLabels);
    default:
      return [];
  }
}

interface ItemEntry {
  own: LabelMap;
  parents: readonly string[];
  labels: LabelMap;
  matches: Set<string>;
}

interface SelectorEntry {
  selector: Selector;
  restriction?: Restriction;
  matches: Set<string>;
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

const EMPTY: ReadonlySet<string> = new Set();

export class LabelIndex {
  readonly stats: IndexStats = { evaluations: 0 };
  private readonly items = new Map<string, ItemEntry>();
  private readonly parents = new Map<string, LabelMap>();
  private readonly itemsByParent = new Map<string, Set<string>>();
  /** label -> value -> items holding it. */
  private readonly itemsByLabel = new Map<string, Map<string, Set<string>>>();
  private readonly selectors = new Map<string, SelectorEntry>();
  /** label -> value -> selectors requiring that value; label -> selectors requiring presence. */
  private readonly selsByValue = new Map<string, Map<string, Set<string>>>();
  private readonly selsByPresence = new Map<string, Set<string>>();
  private readonly unrestricted = new Set<string>();

  constructor(private readonly listener: MatchListener) {}

  itemsMatching(selectorId: string): ReadonlySet<string> {
    return this.selectors.get(selectorId)?.matches ?? EMPTY;
  }

  selectorsMatching(itemId: string): ReadonlySet<string> {
    return this.items.get(itemId)?.matches ?? EMPTY;
  }

  /** An item's combined labels (own over parents'), or undefined for an unknown item. */
  labelsOf(itemId: string): LabelMap | undefined {
    return this.items.get(itemId)?.labels;
  }

  hasSelector(id: string): boolean {
    return this.selectors.has(id);
  }

  /** Adds or replaces a parent's labels (a profile's labelsToApply); its items are re-evaluated. */
  setParent(id: string, labels: LabelMap | undefined): void {
    if (labels === undefined) this.parents.delete(id);
    else this.parents.set(id, labels);
    for (const itemId of [...(this.itemsByParent.get(id) ?? [])]) {
      const item = this.items.get(itemId);
      if (item) this.setItem(itemId, item.own, item.parents);
    }
  }

  setItem(id: string, own: LabelMap, parents: readonly string[]): void {
    const old = this.items.get(id);
    const labels: Record<string, string> = {};
    for (let i = parents.length - 1; i >= 0; i--) Object.assign(labels, this.parents.get(parents[i] as string) ?? {});
    Object.assign(labels, own);
    if (old) {
      for (const p of old.parents) removeFrom(this.itemsByParent, p, id);
      this.unfileItem(id, old.labels);
    }
    for (const p of parents) addTo(this.itemsByParent, p, id);
    const entry: ItemEntry = { own, parents, labels, matches: old?.matches ?? new Set() };
    this.items.set(id, entry);
    this.fileItem(id, labels);
    const candidates = new Set(this.unrestricted);
    for (const [k, v] of Object.entries(labels)) {
      for (const s of this.selsByValue.get(k)?.get(v) ?? []) candidates.add(s);
      for (const s of this.selsByPresence.get(k) ?? []) candidates.add(s);
    }
    // Selectors that matched before but are not candidates now stop matching without an evaluation.
    for (const selId of [...entry.matches]) {
      if (!candidates.has(selId)) this.stop(selId, id);
    }
    for (const selId of candidates) {
      const sel = this.selectors.get(selId);
      if (!sel) continue;
      this.stats.evaluations++;
      const now = sel.selector.matches(labels);
      if (now && !entry.matches.has(selId)) this.start(selId, id);
      else if (!now && entry.matches.has(selId)) this.stop(selId, id);
    }
  }

  deleteItem(id: string): void {
    const old = this.items.get(id);
    if (!old) return;
    for (const selId of [...old.matches]) this.stop(selId, id);
    for (const p of old.parents) removeFrom(this.itemsByParent, p, id);
    this.unfileItem(id, old.labels);
    this.items.delete(id);
  }

  /** Adds or replaces a selector; only items that can satisfy its most selective required label are evaluated. */
  setSelector(id: string, selector: Selector): void {
    const old = this.selectors.get(id);
    if (old && old.selector.text === selector.text) return;
    const previous = old?.matches ?? new Set<string>();
    if (old) this.unfileSelector(id, old);
    const entry: SelectorEntry = { selector, restriction: this.bestRestriction(selector.ast), matches: previous };
    this.selectors.set(id, entry);
    this.fileSelector(id, entry);
    const candidates = this.candidateItems(entry.restriction);
    for (const itemId of [...previous]) if (!candidates.has(itemId)) this.stop(id, itemId);
    for (const itemId of candidates.keys()) {
      const item = this.items.get(itemId);
      if (!item) continue;
      this.stats.evaluations++;
      const now = selector.matches(item.labels);
      if (now && !previous.has(itemId)) this.start(id, itemId);
      else if (!now && previous.has(itemId)) this.stop(id, itemId);
    }
  }

  deleteSelector(id: string): void {
    const old = this.selectors.get(id);
    if (!old) return;
    for (const itemId of [...old.matches]) this.stop(id, itemId);
    this.unfileSelector(id, old);
    this.selectors.delete(id);
  }

  private start(selId: string, itemId: string): void {
    this.selectors.get(selId)?.matches.add(itemId);
    this.items.get(itemId)?.matches.add(selId);
    this.listener.matchStarted(selId, itemId);
  }

  private stop(selId: string, itemId: string): void {
    this.selectors.get(selId)?.matches.delete(itemId);
    this.items.get(itemId)?.matches.delete(selId);
    this.listener.matchStopped(selId, itemId);
  }

  private fileItem(id: string, labels: LabelMap): void {
    for (const [k, v] of Object.entries(labels)) {
      let byValue = this.itemsByLabel.get(k);
      if (!byValue) this.itemsByLabel.set(k, (byValue = new Map()));
      addTo(byValue, v, id);
    }
  }

  private unfileItem(id: string, labels: LabelMap): void {
    for (const [k, v] of Object.entries(labels)) {
      const byValue = this.itemsByLabel.get(k);
      if (!byValue) continue;
      removeFrom(byValue, v, id);
      if (byValue.size === 0) this.itemsByLabel.delete(k);
    }
  }

  /** Of the labels a selector requires, the one with the fewest items behind it now (any choice is correct). */
  private bestRestriction(ast: SelectorNode): Restriction | undefined {
    let best: Restriction | undefined;
    let bestCost = Infinity;
    for (const r of requiredLabels(ast)) {
      const byValue = this.itemsByLabel.get(r.label);
      let cost = 0;
      if (r.values) for (const v of r.values) cost += byValue?.get(v)?.size ?? 0;
      else for (const s of byValue?.values() ?? []) cost += s.size;
      // Prefer value restrictions on equal cost: they stay selective as items arrive.
      if (cost < bestCost || (cost === bestCost && r.values && !best?.values)) {
        best = r;
        bestCost = cost;
      }
    }
    return best;
  }

  /** The items that can satisfy `r`; the index's own set when one exists (read only: the caller only iterates). */
  private candidateItems(r: Restriction | undefined): ReadonlySet<string> | ReadonlyMap<string, unknown> {
    if (!r) return this.items;
    const byValue = this.itemsByLabel.get(r.label);
    if (!byValue) return EMPTY;
    if (r.values?.length === 1) return byValue.get(r.values[0] as string) ?? EMPTY;
    const out = new Set<string>();
    if (r.values) for (const v of r.values) for (const i of byValue.get(v) ?? []) out.add(i);
    else for (const s of byValue.values()) for (const i of s) out.add(i);
    return out;
  }

  private fileSelector(id: string, e: SelectorEntry): void {
    const r = e.restriction;
    if (!r) this.unrestricted.add(id);
    else if (!r.values) addTo(this.selsByPresence, r.label, id);
    else {
      let byValue = this.selsByValue.get(r.label);
      if (!byValue) this.selsByValue.set(r.label, (byValue = new Map()));
      for (const v of r.values) addTo(byValue, v, id);
    }
  }

  private unfileSelector(id: string, e: SelectorEntry): void {
    const r = e.restriction;
    if (!r) this.unrestricted.delete(id);
    else if (!r.values) removeFrom(this.selsByPresence, r.label, id);
    else {
      const byValue = this.selsByValue.get(r.label);
      if (!byValue) return;
      for (const v of r.values) removeFrom(byValue, v, id);
      if (byValue.size === 0) this.selsByValue.delete(r.label);
    }
  }
}
