// AST -> canonical selector text, in the form Calico's selector String() gives: binary operators always
// parenthesised ("(a == \"1\" && has(b))"), values double-quoted unless they contain a double quote, set members
// sorted and joined by ", ". Parsing the printed text gives back an AST that evaluates identically.

import type { SelectorNode } from './ast';

function quote(value: string): string {
  // The language has no escapes, so a value holding a double quote is written between single quotes.
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

const BINARY_TEXT = { eq: ' == ', ne: ' != ', contains: ' contains ', startsWith: ' starts with ', endsWith: ' ends with ' };

export function printSelector(node: SelectorNode): string {
  switch (node.op) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'has':
      return `has(${node.label})`;
    case 'eq':
    case 'ne':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return `${node.label}${BINARY_TEXT[node.op]}${quote(node.value)}`;
    case 'in':
    case 'notIn':
      return `${node.label} ${node.op === 'in' ? 'in' : 'not in'} {${node.values.map(quote).join(', ')}}`;
    case 'not':
      return `!${printSelector(node.operand)}`;
    case 'and':
    case 'or': {
      if (node.operands.length === 1 && node.operands[0]) return printSelector(node.operands[0]);
      return `(${node.operands.map(printSelector).join(node.op === 'and' ? ' && ' : ' || ')})`;
    }
  }
}
