// CLUSTER_LIST (type 10, optional non-transitive; RFC 4456 §8): the cluster IDs a reflected route has passed.
import type { CodecOptions } from './types';
import { UpdateSubcode } from './constants';
import { encodeIpv4Id } from './attr-originator-id';
import { formatIpv4 } from './prefix';
import { attrError, lengthError, type AttrSite } from './update-error';

export function decodeClusterList(value: Buffer, site: AttrSite, opts: CodecOptions): string[] {
  // RFC 7606 §7.10: "if the CLUSTER_LIST attribute is received from an external neighbor, it SHALL be discarded
  // using the approach of "attribute discard"; or if received from an internal neighbor, it SHALL be considered
  // malformed if its length is not a non-zero multiple of 4. If malformed, the UPDATE message SHALL be handled using
  // the approach of "treat-as-withdraw"."
  if (!opts.internal) {
    throw attrError(site, UpdateSubcode.OptionalAttributeError, 'attribute-discard', 'CLUSTER_LIST from an external peer');
  }
  if (value.length === 0 || value.length % 4 !== 0) {
    throw lengthError(site, 'CLUSTER_LIST', 'treat-as-withdraw', value.length, 'a non-zero multiple of 4');
  }
  const out: string[] = [];
  for (let i = 0; i < value.length; i += 4) out.push(formatIpv4(value, i));
  return out;
}

export function encodeClusterList(ids: readonly string[]): Buffer {
  return Buffer.concat(ids.map((id) => encodeIpv4Id('CLUSTER_LIST entry', id)));
}
