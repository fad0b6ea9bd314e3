// TEST FIXTURE, not a product component. Kubernetes label and field selectors as the API server parses them for
// `?labelSelector=` and `?fieldSelector=`, so the fixture can filter lists and watches the way a real server does.
// Owns: parsing the selector strings and matching them against plain object metadata. Must not: know about HTTP.
//
// Label selector grammar (k8s.io/apimachinery/pkg/labels): comma-separated requirements, each one of
//   key=value, key==value, key!=value, key in (v1,v2), key notin (v1,v2), key, !key
// Field selectors support key=value, key==value, key!=value over dotted paths (metadata.name, spec.nodeName...).

export class SelectorError extends Error {}

type Requirement =
  | { readonly op: 'eq' | 'neq'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'notexists'; readonly key: string };

export type LabelSelector = readonly Requirement[];

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new SelectorError(`unbalanced ")" in selector "${text}"`);
  }
  if (depth !== 0) throw new SelectorError(`unbalanced "(" in selector "${text}"`);
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new SelectorError(`invalid label key "${key}"`);
  return key;
}

export function parseLabelSelector(text: string | undefined): LabelSelector {
  if (text === undefined || text.trim() === '') return [];
  return splitTopLevel(text).map((part): Requirement => {
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = (set[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v.length > 0);
      return { op: set[2] === 'in' ? 'in' : 'notin', key: checkKey(set[1] ?? ''), values };
    }
    const cmp = /^([^!=\s]+)\s*(==|!=|=)\s*(\S*)$/.exec(part);
    if (cmp) {
      return { op: cmp[2] === '!=' ? 'neq' : 'eq', key: checkKey(cmp[1] ?? ''), value: cmp[3] ?? '' };
    }
    if (part.startsWith('!')) return { op: 'notexists', key: checkKey(part.slice(1).trim()) };
    return { op: 'exists', key: checkKey(part) };
  });
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.value;
      case 'neq':
        // As in apimachinery: a missing key satisfies "!=".
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v ?? '');
      case 'notin':
        return !has || !r.values.includes(v ?? '');
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
    return false;
  });
}

export type FieldSelector = ReadonlyArray<{ readonly path: string; readonly value: string; readonly negate: boolean }>;

export function parseFieldSelector(text: string | undefined): FieldSelector {
  if (text === undefined || text.trim() === '') return [];
  return splitTopLevel(text).map((part) => {
    const m = /^([A-Za-z0-9.]+)\s*(==|!=|=)\s*(\S*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid field selector "${part}"`);
    return { path: m[1] ?? '', value: m[3] ?? '', negate: m[2] === '!=' };
  });
}

function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

export function matchesFields(selector: FieldSelector, obj: unknown): boolean {
  return selector.every((r) => (fieldValue(obj, r.path) === r.value) !== r.negate);
}
