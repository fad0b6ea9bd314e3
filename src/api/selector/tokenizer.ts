// Selector text -> tokens, each with its 1-based column. Mirrors Calico's tokenizer: whitespace is space and tab;
// strings are '...' or "..." with no escapes; a label key is [a-zA-Z0-9_./-]+; the word operators (in, not in,
// contains, starts with, ends with) are recognised only straight after a label, so a label may be named "in".

import { SelectorError } from './selector-error';

export type TokenKind =
  | 'label'
  | 'string'
  | 'lbrace'
  | 'rbrace'
  | 'comma'
  | 'eq'
  | 'ne'
  | 'in'
  | 'notIn'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'not'
  | 'all'
  | 'global'
  | 'has'
  | 'lparen'
  | 'rparen'
  | 'and'
  | 'or'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Label name, string contents, or the has() label. */
  readonly value: string;
  readonly column: number;
}

const SINGLE: Readonly<Record<string, TokenKind>> = { '(': 'lparen', ')': 'rparen', '{': 'lbrace', '}': 'rbrace', ',': 'comma' };

function isKeyChar(c: string | undefined): boolean {
  return c !== undefined && /[a-zA-Z0-9_./-]/.test(c);
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (at: number, detail: string): never => {
    throw new SelectorError(input, at + 1, detail);
  };
  const skipWs = (): void => {
    while (input[i] === ' ' || input[i] === '\t') i++;
  };
  const readKey = (): string => {
    const start = i;
    while (isKeyChar(input[i])) i++;
    return input.slice(start, i);
  };
  const push = (kind: TokenKind, start: number, value = ''): void => {
    tokens.push({ kind, value, column: start + 1 });
  };
  // Each pass consumes at least one character or throws, so the loop ends within input.length passes.
  for (;;) {
    skipWs();
    const start = i;
    if (i >= input.length) {
      push('eof', start);
      return tokens;
    }
    const c = input[i] ?? '';
    const two = input.slice(i, i + 2);
    const single = SINGLE[c];
    if (single) {
      push(single, start);
      i++;
    } else if (c === '"' || c === "'") {
      const end = input.indexOf(c, i + 1);
      if (end < 0) fail(start, 'unterminated string');
      push('string', start, input.slice(i + 1, end));
      i = end + 1;
    } else if (c === '=') {
      if (two !== '==') fail(start, 'expected "=="');
      push('eq', start);
      i += 2;
    } else if (c === '!') {
      push(two === '!=' ? 'ne' : 'not', start);
      i += two === '!=' ? 2 : 1;
    } else if (c === '&') {
      if (two !== '&&') fail(start, 'expected "&&"');
      push('and', start);
      i += 2;
    } else if (c === '|') {
      if (two !== '||') fail(start, 'expected "||"');
      push('or', start);
      i += 2;
    } else if (tokens[tokens.length - 1]?.kind === 'label') {
      readOperatorAfterLabel(start);
    } else if (input.startsWith('has(', i)) {
      i += 4;
      skipWs();
      const keyAt = i;
      const key = readKey();
      if (key === '') fail(keyAt, 'expected a label name in has()');
      skipWs();
      if (input[i] !== ')') fail(i, 'expected ")" to close has(');
      i++;
      push('has', start, key);
    } else if (input.startsWith('all(', i) || input.startsWith('global(', i)) {
      const kind = input.startsWith('all(', i) ? 'all' : 'global';
      i += kind.length + 1;
      skipWs();
      if (input[i] !== ')') fail(i, `expected ")" to close ${kind}(`);
      i++;
      push(kind, start);
    } else if (isKeyChar(c)) {
      push('label', start, readKey());
    } else {
      fail(start, `unexpected character "${c}"`);
    }
  }

  function readOperatorAfterLabel(start: number): void {
    const label = tokens[tokens.length - 1]?.value ?? '';
    const word = (w: string): boolean => input.startsWith(w, i);
    const twoWords = (first: string, kind: TokenKind): void => {
      i += first.length;
      skipWs();
      if (!word(kind === 'notIn' ? 'in' : 'with')) fail(i, `expected "${kind === 'notIn' ? 'in' : 'with'}" after "${first}"`);
      i += kind === 'notIn' ? 2 : 4;
      push(kind, start);
    };
    if (word('contains')) {
      i += 'contains'.length;
      push('contains', start);
    } else if (word('starts')) {
      twoWords('starts', 'startsWith');
    } else if (word('ends')) {
      twoWords('ends', 'endsWith');
    } else if (word('not')) {
      twoWords('not', 'notIn');
    } else if (word('in')) {
      i += 2;
      push('in', start);
    } else {
      fail(start, `expected an operator (==, !=, in, not in, contains, starts with, ends with) after label "${label}"`);
    }
  }
}
