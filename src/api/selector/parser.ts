// Tokens -> AST by recursive descent with Calico's precedence: "||" lowest, then "&&", then a possibly negated
// operation ("!" collapses: "!!a" is "a"), where an operation is all(), global(), has(k), k <op> "v",
// k [not] in {...} or a parenthesised expression. An empty selector means all(), as in Calico.

import { normaliseSet, type SelectorNode } from './ast';
import { SelectorError } from './selector-error';
import { tokenize, type Token, type TokenKind } from './tokenizer';

const VALUE_OPS: Partial<Record<TokenKind, 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith'>> = {
  eq: 'eq',
  ne: 'ne',
  contains: 'contains',
  startsWith: 'startsWith',
  endsWith: 'endsWith',
};

export function parseSelector(text: string): SelectorNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[Math.min(pos, tokens.length - 1)] as Token;
  const fail = (tok: Token, detail: string): never => {
    throw new SelectorError(text, tok.column, detail);
  };
  const describe = (tok: Token): string => (tok.kind === 'eof' ? 'end of selector' : `"${text.slice(tok.column - 1).split(/[ \t]/)[0]}"`);

  function orExpr(): SelectorNode {
    const operands = [andExpr()];
    while (peek().kind === 'or') {
      pos++;
      operands.push(andExpr());
    }
    return operands.length === 1 ? (operands[0] as SelectorNode) : { op: 'or', operands };
  }

  function andExpr(): SelectorNode {
    const operands = [operation()];
    while (peek().kind === 'and') {
      pos++;
      operands.push(operation());
    }
    return operands.length === 1 ? (operands[0] as SelectorNode) : { op: 'and', operands };
  }

  function expectString(): string {
    const tok = peek();
    if (tok.kind !== 'string') fail(tok, 'expected a quoted string');
    pos++;
    return tok.value;
  }

  function operation(): SelectorNode {
    let negated = false;
    while (peek().kind === 'not') {
      negated = !negated;
      pos++;
    }
    const node = positive();
    return negated ? { op: 'not', operand: node } : node;
  }

  function positive(): SelectorNode {
    const tok = peek();
    pos++;
    switch (tok.kind) {
      case 'all':
        return { op: 'all' };
      case 'global':
        return { op: 'global' };
      case 'has':
        return { op: 'has', label: tok.value };
      case 'lparen': {
        const inner = orExpr();
        if (peek().kind !== 'rparen') fail(peek(), 'expected ")"');
        pos++;
        return inner;
      }
      case 'label': {
        const opTok = peek();
        pos++;
        const valueOp = VALUE_OPS[opTok.kind];
        if (valueOp) return { op: valueOp, label: tok.value, value: expectString() };
        if (opTok.kind === 'in' || opTok.kind === 'notIn') {
          if (peek().kind !== 'lbrace') fail(peek(), 'expected a set literal "{...}"');
          pos++;
          const values: string[] = [];
          // A trailing comma before "}" is accepted, as in Calico.
          while (peek().kind === 'string') {
            values.push(peek().value);
            pos++;
            if (peek().kind !== 'comma') break;
            pos++;
          }
          if (peek().kind !== 'rbrace') fail(peek(), 'expected a quoted string or "}"');
          pos++;
          return { op: opTok.kind === 'in' ? 'in' : 'notIn', label: tok.value, values: normaliseSet(values) };
        }
        return fail(opTok, `expected an operator after label "${tok.value}"`);
      }
      default:
        return fail(tok, `expected a label, has(), all(), global(), "!" or "(" but found ${describe(tok)}`);
    }
  }

  if (peek().kind === 'eof') return { op: 'all' };
  const root = orExpr();
  if (peek().kind !== 'eof') fail(peek(), `unexpected ${describe(peek())}`);
  return root;
}
