// AS_PATH segments: the RFC 6793 §4.2.3 merge, path length counting, segment splitting and the BIRD-like text form.
import { BgpError } from './bgp-error';
import { asPathLength, encodeAsPath, formatAsPath, parseSegments } from './attr-as-path';
import { mergeAs4Path } from './attr-as4-path';
import type { AsPathSegment } from './types';

const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 'set', asns });
const cseq = (...asns: number[]): AsPathSegment => ({ type: 'confed-sequence', asns });

describe('mergeAs4Path (RFC 6793 §4.2.3)', () => {
  const cases: Array<{ name: string; asPath: AsPathSegment[]; as4Path: AsPathSegment[]; want: AsPathSegment[] }> = [
    { name: 'same count: AS4_PATH replaces', asPath: [seq(65001, 23456)], as4Path: [seq(65001, 70000)], want: [seq(65001, 70000)] },
    { name: 'AS4_PATH shorter: leading ASNs prepended, one segment', asPath: [seq(1, 2, 3)], as4Path: [seq(70000)], want: [seq(1, 2, 70000)] },
    { name: 'AS4_PATH longer than AS_PATH: ignored', asPath: [seq(1, 2)], as4Path: [seq(3, 4, 5)], want: [seq(1, 2)] },
    { name: 'leading confederation segment kept', asPath: [cseq(64512), seq(23456)], as4Path: [seq(70000)], want: [cseq(64512), seq(70000)] },
    { name: 'a set counts as one', asPath: [seq(1, 2), set(23456, 3)], as4Path: [set(70000, 3)], want: [seq(1, 2), set(70000, 3)] },
    { name: 'a whole set taken from AS_PATH', asPath: [set(1, 2), seq(23456)], as4Path: [seq(70000)], want: [set(1, 2), seq(70000)] },
    { name: 'empty AS4_PATH: AS_PATH stands', asPath: [seq(1)], as4Path: [], want: [seq(1)] },
  ];
  it.each(cases)('$name', ({ asPath, as4Path, want }) => {
    expect(mergeAs4Path(asPath, as4Path)).toEqual(want);
  });
});

describe('AS_PATH segments', () => {
  it('counts as the decision process does (set = 1, confederations = 0)', () => {
    expect(asPathLength([cseq(1, 2), seq(3, 4), set(5, 6, 7)])).toBe(3);
  });

  it('splits a sequence longer than 255 ASNs and reads it back as two segments', () => {
    const asns = Array.from({ length: 300 }, (_, i) => 64512 + i);
    const wire = encodeAsPath([seq(...asns)], 4);
    expect(wire.length).toBe(2 + 255 * 4 + 2 + 45 * 4);
    const back = parseSegments(wire, 4, (d) => new BgpError(3, 11, d));
    expect(back).toEqual([seq(...asns.slice(0, 255)), seq(...asns.slice(255))]);
  });

  it('formats like BIRD', () => {
    expect(formatAsPath([cseq(64512, 64513), { type: 'confed-set', asns: [64514] }, seq(65001), set(65002, 65003)])).toBe(
      '(64512 64513) [64514] 65001 {65002 65003}',
    );
    expect(formatAsPath([])).toBe('');
  });
});
