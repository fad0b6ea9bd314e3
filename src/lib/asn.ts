// AS numbers as Calico writes them: plain ("64512") or dotted ("1.10" = 1*65536+10, RFC 5396 asdot). Both a YAML
// number and a string are accepted because calicoctl's ASNumber unmarshals either.

export const MAX_ASN = 0xffffffff;

/** Parses an AS number; undefined when it is not one (out of range, negative, fractional, junk). */
export function parseAsn(input: unknown): number | undefined {
  if (typeof input === 'number') {
    return Number.isInteger(input) && input >= 0 && input <= MAX_ASN ? input : undefined;
  }
  if (typeof input !== 'string') return undefined;
  const dotted = /^(\d{1,5})\.(\d{1,5})$/.exec(input);
  if (dotted) {
    const high = Number(dotted[1]);
    const low = Number(dotted[2]);
    // RFC 5396 §1: each half of asdot is a 16-bit value.
    if (high > 0xffff || low > 0xffff) return undefined;
    return high * 65536 + low;
  }
  if (!/^\d{1,10}$/.test(input)) return undefined;
  const n = Number(input);
  return n <= MAX_ASN ? n : undefined;
}

/** Plain decimal text ("asplain", RFC 5396 §1), the form Calico prints. */
export function formatAsn(asn: number): string {
  return String(asn);
}

/** asdot+ text: "1.10" for 65546; "64512" for 2-octet numbers (RFC 5396 asdot). */
export function formatAsnDotted(asn: number): string {
  return asn > 0xffff ? `${Math.floor(asn / 65536)}.${asn % 65536}` : String(asn);
}

/** True for the private-use ranges of RFC 6996 §5. */
export function isPrivateAsn(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
}
