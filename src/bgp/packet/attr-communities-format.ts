// The text forms operators see for path attributes (`bgp status`, logs), gathered in one place for display code:
// communities (RFC 1997 "ASN:value" or well-known name), extended and large communities, AS paths (BIRD-like) and
// ORIGIN. The formatters live beside their codecs; this module only re-exports them.
export { formatCommunity, parseCommunity } from './attr-communities';
export { formatExtendedCommunity } from './attr-extended-communities';
export { formatLargeCommunity } from './attr-large-community';
export { formatAsPath } from './attr-as-path';
export { formatOrigin } from './attr-origin';
