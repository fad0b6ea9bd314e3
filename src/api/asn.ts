// AS number text is parsed in lib/asn.ts (the BGP speaker uses it too, and bgp/ does not import api/).
export { MAX_ASN, formatAsn, formatAsnDotted, isPrivateAsn, parseAsn } from '../lib/asn';
