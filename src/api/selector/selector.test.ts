import fc from 'fast-check';
import type { LabelMap, SelectorNode } from './ast';
import { compileSelector, evaluateSelector, parseSelector, printSelector, SelectorError, selectorProblem } from './index';
import { tokenize } from './tokenizer';

describe('tokenize', () => {
  it('gives 1-based columns and recognises word operators only after a label', () => {
    expect(tokenize('in in {"a"}').map((t) => [t.kind, t.column])).toEqual([
      ['label', 1],
      ['in', 4],
      ['lbrace', 7],
      ['string', 8],
      ['rbrace', 11],
      ['eof', 12],
    ]);
    expect(tokenize("a starts  with 'x'").map((t) => t.kind)).toEqual(['label', 'startsWith', 'string', 'eof']);
  });
});

describe('evaluate', () => {
  const labels: LabelMap = { 'route-reflector': 'true', app: 'web', tier: 'frontend', 'k8s.io/zone': 'eu-west-1a' };
  const cases: Array<{ sel: string; want: boolean }> = [
    { sel: '', want: true },
    { sel: 'all()', want: true },
    { sel: 'global()', want: true },
    { sel: 'has(app)', want: true },
    { sel: 'has( missing )', want: false },
    { sel: '!has(missing)', want: true },
    { sel: 'route-reflector == "true"', want: true },
    { sel: "route-reflector == 'true'", want: true },
    { sel: 'route-reflector=="true"', want: true },
    { sel: 'route-reflector == "false"', want: false },
    { sel: 'app != "db"', want: true },
    { sel: 'missing != "x"', want: true },
    { sel: 'missing == "x"', want: false },
    { sel: 'app in {"web", "api"}', want: true },
    { sel: 'app in {}', want: false },
    { sel: 'app in {"a",}', want: false },
    { sel: 'app not in {"web"}', want: false },
    { sel: 'missing not in {"web"}', want: true },
    { sel: 'missing in {"web"}', want: false },
    { sel: 'tier contains "ront"', want: true },
    { sel: 'missing contains ""', want: false },
    { sel: 'k8s.io/zone starts with "eu-"', want: true },
    { sel: 'k8s.io/zone ends with "1a"', want: true },
    { sel: 'k8s.io/zone ends with "1b"', want: false },
    { sel: 'app == "web" && tier == "backend"', want: false },
    { sel: 'app == "web" || tier == "backend"', want: true },
    { sel: '!(app == "web" && has(tier))', want: false },
    { sel: '!!has(app)', want: true },
    { sel: 'app == "db" || app == "web" && has(nothing)', want: false },
    { sel: '(app == "db" || app == "web") && has(tier)', want: true },
    { sel: 'toString == "x"', want: false },
    { sel: 'has(constructor)', want: false },
  ];
  it.each(cases)('$sel -> $want', ({ sel, want }) => {
    expect(evaluateSelector(parseSelector(sel), labels)).toBe(want);
    expect(compileSelector(sel).matches(labels)).toBe(want);
  });
});

describe('canonical text', () => {
  const cases: Array<{ sel: string; want: string }> = [
    { sel: '', want: 'all()' },
    { sel: "route-reflector == 'true'", want: 'route-reflector == "true"' },
    { sel: 'route-reflector=="true"', want: 'route-reflector == "true"' },
    { sel: 'a == "x" && b != \'y\'', want: '(a == "x" && b != "y")' },
    { sel: 'a in {"z","a","z"}', want: 'a in {"a", "z"}' },
    { sel: 'a not in {}', want: 'a not in {}' },
    { sel: "a == 'say \"hi\"'", want: "a == 'say \"hi\"'" },
    { sel: '!!has(a)', want: 'has(a)' },
    { sel: '!(a contains "b" || c starts with "d")', want: '!(a contains "b" || c starts with "d")' },
    { sel: '((a ends with "x"))', want: 'a ends with "x"' },
  ];
  it.each(cases)('$sel', ({ sel, want }) => expect(compileSelector(sel).text).toBe(want));
});

describe('syntax errors', () => {
  const cases: Array<{ sel: string; message: string; column: number }> = [
    { sel: 'a == ', message: 'selector "a == ": expected a quoted string at column 6', column: 6 },
    { sel: 'a = "b"', message: 'selector "a = "b"": expected "==" at column 3', column: 3 },
    { sel: 'a == "b', message: 'selector "a == "b": unterminated string at column 6', column: 6 },
    { sel: 'a & b', message: 'selector "a & b": expected "&&" at column 3', column: 3 },
    { sel: 'a | b', message: 'selector "a | b": expected "||" at column 3', column: 3 },
    { sel: 'a b', message: expect.stringContaining('after label "a" at column 3') as unknown as string, column: 3 },
    { sel: 'has()', message: 'selector "has()": expected a label name in has() at column 5', column: 5 },
    { sel: 'has(a', message: 'selector "has(a": expected ")" to close has( at column 6', column: 6 },
    { sel: 'all(x)', message: 'selector "all(x)": expected ")" to close all( at column 5', column: 5 },
    { sel: '(a == "b"', message: 'selector "(a == "b"": expected ")" at column 10', column: 10 },
    { sel: 'a in ("b")', message: 'selector "a in ("b")": expected a set literal "{...}" at column 6', column: 6 },
    { sel: 'a in {"b" "c"}', message: 'selector "a in {"b" "c"}": expected a quoted string or "}" at column 11', column: 11 },
    { sel: 'a == "b" c', message: expect.stringContaining('unexpected "c" at column 10') as unknown as string, column: 10 },
    { sel: '&& a', message: expect.stringContaining('at column 1') as unknown as string, column: 1 },
    { sel: 'a == "b" &&', message: expect.stringContaining('found end of selector at column 12') as unknown as string, column: 12 },
    { sel: 'a starts "x"', message: expect.stringContaining('expected "with" after "starts" at column 10') as unknown as string, column: 10 },
    { sel: 'a == "b" # c', message: expect.stringContaining('unexpected character "#" at column 10') as unknown as string, column: 10 },
  ];
  it.each(cases)('$sel', ({ sel, message, column }) => {
    let caught: unknown;
    try {
      parseSelector(sel);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SelectorError);
    const err = caught as SelectorError;
    expect(err.code).toBe('InvalidSelector');
    expect(err.column).toBe(column);
    expect(err.message).toEqual(message);
    expect(err.caret().split('\n')[1]).toBe(`${' '.repeat(column - 1)}^`);
  });

  it('selectorProblem reports the detail and column, or undefined', () => {
    expect(selectorProblem('all()')).toBeUndefined();
    expect(selectorProblem('a ==')).toBe('invalid selector: expected a quoted string at column 5');
  });
});

// ---- properties -------------------------------------------------------------------------------------------------

const KEYS = ['a', 'b', 'app', 'k8s.io/zone', 'in', 'has'];
const key = fc.constantFrom(...KEYS);
// Values may hold one kind of quote but not both: the language has no escapes, so no selector text can hold both.
const value = fc.oneof(
  fc.constantFrom('', 'x', 'y', 'web', 'true', 'eu-west'),
  fc.string({ maxLength: 6 }).filter((s) => !(s.includes('"') && s.includes("'"))),
);

const nodeArb: fc.Arbitrary<SelectorNode> = fc.letrec<{ node: SelectorNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<SelectorNode>({ op: 'all' }),
    fc.constant<SelectorNode>({ op: 'global' }),
    key.map((label): SelectorNode => ({ op: 'has', label })),
    fc
      .tuple(fc.constantFrom('eq', 'ne', 'contains', 'startsWith', 'endsWith' as const), key, value)
      .map(([op, label, v]): SelectorNode => ({ op, label, value: v })),
    fc
      .tuple(fc.constantFrom('in', 'notIn' as const), key, fc.array(value, { maxLength: 3 }))
      .map(([op, label, values]): SelectorNode => ({ op, label, values: [...new Set(values)].sort() })),
    tie('node').map((operand): SelectorNode => ({ op: 'not', operand })),
    fc
      .tuple(fc.constantFrom('and', 'or' as const), fc.array(tie('node'), { minLength: 2, maxLength: 3 }))
      .map(([op, operands]): SelectorNode => ({ op, operands })),
  ),
})).node;

const labelsArb: fc.Arbitrary<LabelMap> = fc.dictionary(key, value, { maxKeys: 4 });

describe('selector properties', () => {
  it('parse(print(ast)) evaluates the same as ast on any labels', () => {
    fc.assert(
      fc.property(nodeArb, fc.array(labelsArb, { minLength: 1, maxLength: 5 }), (ast, labelSets) => {
        const reparsed = parseSelector(printSelector(ast));
        for (const labels of labelSets) {
          expect(evaluateSelector(reparsed, labels)).toBe(evaluateSelector(ast, labels));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('canonical text is a fixed point once parsed: print(parse(t)) === t for t = print(parse(print(ast)))', () => {
    fc.assert(
      fc.property(nodeArb, (ast) => {
        // A random AST may hold "!!x", which the parser collapses, so normalise once before checking.
        const canonical = printSelector(parseSelector(printSelector(ast)));
        expect(printSelector(parseSelector(canonical))).toBe(canonical);
      }),
      { numRuns: 500 },
    );
  });

  it('the parser fails only with SelectorError on arbitrary text', () => {
    const alphabet = fc.constantFrom(...'ab =!&|(){},"\'\tinotcshalwe'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }).map((cs) => cs.join('')), (text) => {
        try {
          const ast = parseSelector(text);
          // Whatever parses must print to text that parses to the same canonical form.
          expect(printSelector(parseSelector(printSelector(ast)))).toBe(printSelector(ast));
        } catch (err) {
          expect(err).toBeInstanceOf(SelectorError);
          const e = err as SelectorError;
          expect(e.column).toBeGreaterThanOrEqual(1);
          expect(e.column).toBeLessThanOrEqual(text.length + 1);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
