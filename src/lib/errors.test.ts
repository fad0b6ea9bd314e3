// describeError: one line with codes and the cause chain; and the rule that every error class in src/ is a
// GinghamError (so it has a stable code).
import fs from 'node:fs';
import path from 'node:path';
import { describeError, GinghamError } from './errors';

class Outer extends GinghamError {
  constructor(message: string, cause?: unknown) {
    super('OUTER', message, cause === undefined ? undefined : { cause });
  }
}

describe('describeError', () => {
  it('shows the code before the message', () => {
    expect(describeError(new GinghamError('BadThing', 'the thing is bad'))).toBe('BadThing: the thing is bad');
  });

  it('walks the cause chain, with each cause\'s code unless its message already names it', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2379'), { code: 'ECONNREFUSED' });
    const mid = new GinghamError('DATASTORE_UNAVAILABLE', 'IPPool default: unreachable', { cause: inner });
    expect(describeError(new Outer('cannot start', mid))).toBe(
      'OUTER: cannot start: caused by DATASTORE_UNAVAILABLE: IPPool default: unreachable: caused by connect ECONNREFUSED 127.0.0.1:2379',
    );
  });

  it('does not repeat a code the message starts with, nor a cause the message already quotes', () => {
    const sys = Object.assign(new Error('ENOENT: no such file or directory, open \'/x\''), { code: 'ENOENT' });
    expect(describeError(sys)).toBe("ENOENT: no such file or directory, open '/x'");
    expect(describeError(new Outer(`read /x: ${sys.message}`, sys))).toBe("OUTER: read /x: ENOENT: no such file or directory, open '/x'");
  });

  it('describes plain errors and non-errors by their text, and can leave codes out', () => {
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError('a string')).toBe('a string');
    expect(describeError(42)).toBe('42');
    expect(describeError(new Outer('x', new GinghamError('IN', 'y')), { codes: false })).toBe('x: caused by y');
  });

  it('stops at a cycle and at a bounded depth', () => {
    const a = new GinghamError('A', 'a');
    const b = new GinghamError('B', 'b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(describeError(b)).toBe('B: b: caused by A: a');
    let deep: Error = new GinghamError('C0', 'm0');
    for (let i = 1; i < 20; i++) deep = new GinghamError(`C${i}`, `m${i}`, { cause: deep });
    expect(describeError(deep).split(': caused by ')).toHaveLength(8);
  });
});

describe('error classes', () => {
  it('every error class under src/ extends GinghamError (or another error class that does)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
          const text = fs.readFileSync(p, 'utf8');
          for (const m of text.matchAll(/class (\w+) extends (Error|TypeError|RangeError)\b/g)) offenders.push(`${path.relative(path.join(__dirname, '..'), p)}: ${m[1]}`);
        }
      }
    };
    walk(path.join(__dirname, '..'));
    expect(offenders).toEqual(['lib/errors.ts: GinghamError']);
  });
});
