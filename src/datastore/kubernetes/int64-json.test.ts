import { int64Literal, parseJsonLossless, quoteUnsafeIntegers, stringifyJsonInt64 } from './int64-json';

// An IPAMBlock as Calico v3.30 writes it in Kubernetes mode: sequence numbers from time.Now().UnixNano().
const CALICO_BLOCK = `{"apiVersion":"crd.projectcalico.org/v1","kind":"IPAMBlock","metadata":{"name":"10-244-1-0-26","resourceVersion":"1234"},"spec":{"affinity":"host:node-1","allocations":[0,null,1],"attributes":[{"handle_id":"ipip-tunnel-addr-node-1","secondary":{"node":"node-1","type":"ipipTunnelAddress"}},{"handle_id":"k8s-pod-network.abc","secondary":{"namespace":"default","node":"node-1","pod":"web-0","timestamp":"2026-12-06 07:00:00.123456789 +0000 UTC"}}],"cidr":"10.244.1.0/26","deleted":false,"sequenceNumber":1733475600123456791,"sequenceNumberForAllocation":{"0":1733475600123456789,"2":1733475600123456790},"strictAffinity":false,"unallocated":[3,4,5]}}`;

describe('lossless int64 JSON', () => {
  it('reads a Calico-written block without rounding its nanosecond sequence numbers', () => {
    const b = parseJsonLossless(CALICO_BLOCK) as { spec: { sequenceNumber: unknown; sequenceNumberForAllocation: Record<string, unknown>; allocations: unknown[]; unallocated: unknown[] } };
    expect(b.spec.sequenceNumber).toBe('1733475600123456791');
    expect(b.spec.sequenceNumberForAllocation).toEqual({ '0': '1733475600123456789', '2': '1733475600123456790' });
    // JSON.parse alone loses the last digits (what the datastore did before).
    expect(String((JSON.parse(CALICO_BLOCK) as { spec: { sequenceNumber: number } }).spec.sequenceNumber)).not.toBe('1733475600123456791');
    // Small numbers stay numbers; strings that look like numbers are untouched.
    expect(b.spec.allocations).toEqual([0, null, 1]);
    expect(b.spec.unallocated).toEqual([3, 4, 5]);
  });

  it.each([
    ['a safe integer stays', '{"a":9007199254740991}', '{"a":9007199254740991}'],
    ['beyond 2^53 is quoted', '{"a":9007199254740993}', '{"a":"9007199254740993"}'],
    ['negative too', '[-9223372036854775808]', '["-9223372036854775808"]'],
    ['inside a string: untouched', '{"a":"x 12345678901234567890 \\" 98765432109876543210"}', '{"a":"x 12345678901234567890 \\" 98765432109876543210"}'],
    ['a float is a float', '{"a":12345678901234567890.5,"b":1234567890123456789e3}', '{"a":12345678901234567890.5,"b":1234567890123456789e3}'],
    ['long fraction and exponent digits are not integers', '[0.12345678901234567890,1e-12345678901234567890,2E+12345678901234567890]', '[0.12345678901234567890,1e-12345678901234567890,2E+12345678901234567890]'],
  ])('%s', (_n, input, want) => {
    expect(quoteUnsafeIntegers(input)).toBe(want);
  });

  it('writes int64 literals as bare integers, and round-trips the block', () => {
    const b = parseJsonLossless(CALICO_BLOCK) as { spec: { sequenceNumber: string; sequenceNumberForAllocation: Record<string, string> } };
    const out = stringifyJsonInt64({
      ...b,
      spec: { ...b.spec, sequenceNumber: int64Literal(b.spec.sequenceNumber), sequenceNumberForAllocation: Object.fromEntries(Object.entries(b.spec.sequenceNumberForAllocation).map(([k, v]) => [k, int64Literal(v)])) },
    });
    expect(out).toContain('"sequenceNumber":1733475600123456791');
    expect(out).toContain('"sequenceNumberForAllocation":{"0":1733475600123456789,"2":1733475600123456790}');
    expect(parseJsonLossless(out)).toEqual(parseJsonLossless(CALICO_BLOCK));
    expect(() => int64Literal('12a')).toThrow(RangeError);
    // A user's string is never mistaken for a marker.
    expect(stringifyJsonInt64({ a: 'int64:5' })).toBe('{"a":"int64:5"}');
  });
});
