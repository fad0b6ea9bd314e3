// Evaluates a selector AST against one label map, with Calico's semantics for absent labels: "==", "in",
// "contains", "starts with", "ends with" and has() are false when the label is absent; "!=" and "not in" are true.
// global() matches everything here; it only narrows which resources a caller feeds in (non-namespaced ones).

import type { LabelMap, SelectorNode } from './ast';

function get(labels: LabelMap, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}

export function evaluateSelector(node: SelectorNode, labels: LabelMap): boolean {
  switch (node.op) {
    case 'all':
    case 'global':
      return true;
    case 'has':
      return get(labels, node.label) !== undefined;
    case 'eq':
      return get(labels, node.label) === node.value;
    case 'ne':
      return get(labels, node.label) !== node.value;
    case 'contains': {
      const v = get(labels, node.label);
      return v !== undefined && v.includes(node.value);
    }
    case 'startsWith': {
      const v = get(labels, node.label);
      return v !== undefined && v.startsWith(node.value);
    }
    case 'endsWith': {
      const v = get(labels, node.label);
      return v !== undefined && v.endsWith(node.value);
    }
    case 'in': {
      const v = get(labels, node.label);
      return v !== undefined && node.values.includes(v);
    }
    case 'notIn': {
      const v = get(labels, node.label);
      return v === undefined || !node.values.includes(v);
    }
    case 'not':
      return !evaluateSelector(node.operand, labels);
    case 'and':
      return node.operands.every((n) => evaluateSelector(n, labels));
    case 'or':
      return node.operands.some((n) => evaluateSelector(n, labels));
  }
}
