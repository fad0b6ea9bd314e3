// The selector AST: readonly plain data, one node type per operator of Calico's selector language. Sets in
// `in`/`not in` are kept sorted and de-duplicated, as Calico stores them, so equal selectors print equally.

export type SelectorNode =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'has'; readonly label: string }
  | { readonly op: 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith'; readonly label: string; readonly value: string }
  | { readonly op: 'in' | 'notIn'; readonly label: string; readonly values: readonly string[] }
  | { readonly op: 'not'; readonly operand: SelectorNode }
  | { readonly op: 'and' | 'or'; readonly operands: readonly SelectorNode[] };

export type LabelMap = Readonly<Record<string, string>>;

/** Sorted, de-duplicated copy of a set literal's values (byte order, as Go's sort.Strings on ASCII). */
export function normaliseSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A label key as the tokenizer accepts it: letters, digits and "_./-". */
export const LABEL_KEY_RE = /^[a-zA-Z0-9_./-]+$/;
