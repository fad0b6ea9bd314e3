// The YAML file of `gingham bgp run -c speaker.yaml`: structure checked with a JSON schema (ajv), then meaning
// (addresses, prefixes, AS numbers) checked by hand. Every problem names its field, e.g.
// `peers[1].asNumber: must be an AS number from 1 to 4294967295`.
import type { default as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { GinghamError } from '../../lib/errors';
import { parseAsn as parseAsnText } from '../../lib/asn';
import { parseLargeCommunity, parseStandardCommunity } from '../../lib/community';
import { familyBits, familyName, familyVersion, formatCidr, formatIp, ipFamily, maskCidr, parseIp, tryParseIp } from '../../lib/ip';
import type { Family, Prefix } from '../packet/types';
import { GRACEFUL_RESTART_DEFAULTS, PEER_DEFAULTS, type GracefulRestartConfig, type PeerFilters } from '../speaker';
import { peerFilterRules, translateFilterSpec, type BgpFilterSpec } from './bgp-filter';

/** Seconds a restarting speaker waits at most for its peers' End-of-RIB before sending its routes. */
const DEFAULT_DEFERRAL_TIME = 60;
import type { LocalRoute, PeerConfig, SpeakerConfig } from '../speaker';

export class ConfigError extends GinghamError {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super('InvalidConfig', `${source}: ${problems.join('; ')}`);
  }
}

export interface SpeakerFile {
  readonly speaker: SpeakerConfig;
  readonly peers: readonly PeerConfig[];
  readonly originate: readonly LocalRoute[];
  readonly statusSocket: string;
  readonly logLevel?: string;
}

export const DEFAULT_STATUS_SOCKET = '/var/run/gingham/bgp.sock';

const asnSchema = { anyOf: [{ type: 'integer' }, { type: 'string' }] };

/** One rule of a Calico BGPFilter spec (projectcalico.org/v3 BGPFilterRuleV4/V6): its shape; meaning in bgp-filter.ts. */
const filterRuleSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cidr: { type: 'string' },
    prefixLength: { type: 'object', additionalProperties: false, properties: { min: { type: 'integer' }, max: { type: 'integer' } } },
    matchOperator: { type: 'string' },
    source: { type: 'string' },
    interface: { type: 'string' },
    peerType: { type: 'string' },
    communities: { type: 'object', additionalProperties: false, properties: { values: { type: 'array', items: { type: 'string' } } } },
    asPathPrefix: { type: 'array', items: asnSchema },
    priority: { type: 'integer' },
    action: { type: 'string' },
    operations: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          addCommunity: { type: 'object', additionalProperties: false, properties: { value: { type: 'string' } } },
          prependASPath: { type: 'object', additionalProperties: false, properties: { prefix: { type: 'array', items: asnSchema } } },
          setPriority: { type: 'object', additionalProperties: false, properties: { value: { type: 'integer' } } },
        },
      },
    },
  },
};
const filterRules = { type: 'array', items: filterRuleSchema };

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['asNumber', 'routerId'],
  properties: {
    asNumber: asnSchema,
    routerId: { type: 'string' },
    listen: {
      type: 'object',
      additionalProperties: false,
      required: ['address'],
      properties: { address: { type: 'string' }, port: { type: 'integer', minimum: 0, maximum: 65535 } },
    },
    statusSocket: { type: 'string', minLength: 1 },
    logLevel: { type: 'string' },
    clusterId: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
    filters: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { importV4: filterRules, importV6: filterRules, exportV4: filterRules, exportV6: filterRules },
      },
    },
    alwaysCompareMed: { type: 'boolean' },
    gracefulRestart: {
      type: 'object',
      additionalProperties: false,
      properties: {
        restartTime: { type: 'integer', minimum: 1, maximum: 4095 },
        staleTime: { type: 'integer', minimum: 1, maximum: 86400 },
        deferralTime: { type: 'integer', minimum: 0, maximum: 3600 },
        forwardingPreserved: { type: 'boolean' },
      },
    },
    peers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['address', 'asNumber'],
        properties: {
          name: { type: 'string', minLength: 1 },
          address: { type: 'string' },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          asNumber: asnSchema,
          localAsNumber: asnSchema,
          localAddress: { type: 'string' },
          passive: { type: 'boolean' },
          holdTime: { type: 'integer', minimum: 0, maximum: 65535 },
          keepaliveTime: { type: 'integer', minimum: 1, maximum: 21845 },
          connectRetryTime: { type: 'integer', minimum: 1, maximum: 65535 },
          openWaitTime: { type: 'integer', minimum: 1, maximum: 240 },
          families: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['ipv4', 'ipv6'] } },
          extendedMessage: { type: 'boolean' },
          routeReflectorClient: { type: 'boolean' },
          nextHopMode: { enum: ['auto', 'self', 'keep'] },
          allowOwnAs: { type: 'integer', minimum: 0, maximum: 10 },
          gracefulRestart: { type: 'boolean' },
          filters: { type: 'array', items: { type: 'string' } },
          maxPrefixes: {
            type: 'object',
            additionalProperties: false,
            required: ['limit'],
            properties: { limit: { type: 'integer', minimum: 1 }, restartDelay: { type: 'integer', minimum: 1, maximum: 86400 } },
          },
        },
      },
    },
    originate: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['prefix'],
        properties: {
          prefix: { type: 'string' },
          nextHop: { type: 'string' },
          communities: { type: 'array', items: { type: 'string' } },
          largeCommunities: { type: 'array', items: { type: 'string' } },
          med: { type: 'integer', minimum: 0, maximum: 4294967295 },
          localPref: { type: 'integer', minimum: 0, maximum: 4294967295 },
        },
      },
    },
  },
} as const;

/**
 * The schema compiled on first use: loading ajv and compiling cost tens of milliseconds that every `gingham` command
 * would pay (the CLI registers `bgp run`, whose option defaults come from this file).
 */
let compiled: ValidateFunction | undefined;
const validateShape = (): ValidateFunction => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = (require('ajv') as { default: typeof AjvClass }).default;
  return (compiled ??= new Ajv({ allErrors: true }).compile(schema));
};

/** "/peers/1/asNumber" -> "peers[1].asNumber" */
function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter((p) => p.length > 0);
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out.length === 0 ? p : `.${p}`;
  return out.length > 0 ? out : '(top level)';
}

function describeAjvError(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required':
      return `${fieldPath(e.instancePath, String(e.params.missingProperty))}: is required`;
    case 'additionalProperties':
      return `${fieldPath(e.instancePath, String(e.params.additionalProperty))}: unknown field`;
    case 'enum':
      return `${fieldPath(e.instancePath)}: must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    case 'anyOf':
      return `${fieldPath(e.instancePath)}: must be a number or a string`;
    default:
      return `${fieldPath(e.instancePath)}: ${e.message ?? 'is invalid'}`;
  }
}

/** Plain ("64512") or dotted ("1.10" = 1 * 65536 + 10) AS numbers, RFC 5396; AS 0 is reserved (RFC 7607). */
export function parseAsn(value: unknown): number | undefined {
  const n = parseAsnText(value);
  return n === undefined || n < 1 ? undefined : n;
}

/** "10.0.0.0/24" or "2001:db8::/32" with host bits zero; returns the canonical Prefix or an error text. */
export function parsePrefix(text: string): Prefix | string {
  const slash = text.indexOf('/');
  if (slash < 0) return 'must be a CIDR such as 10.244.0.0/24';
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return 'prefix length must be a number';
  const ip = tryParseIp(text.slice(0, slash));
  if (ip === undefined) return 'must be a CIDR such as 10.244.0.0/24';
  const length = Number(lenText);
  if (length > familyBits(ip.family)) return `prefix length must be at most ${familyBits(ip.family)} for IPv${ip.family}`;
  const masked = maskCidr({ family: ip.family, addr: ip.value, prefixLen: length });
  if (masked.addr !== ip.value) return ip.family === 4 ? `host bits set (did you mean ${formatCidr(masked)}?)` : 'host bits set';
  return { family: familyName(ip.family), address: formatIp(ip), length };
}

/** RFC 5952 text form. */
export function canonicalIpv6(addr: string): string {
  return formatIp(parseIp(addr));
}

interface RawPeer {
  name?: string;
  address: string;
  port?: number;
  asNumber: unknown;
  localAsNumber?: unknown;
  localAddress?: string;
  passive?: boolean;
  holdTime?: number;
  keepaliveTime?: number;
  connectRetryTime?: number;
  /** Seconds an inbound connection may take to send its OPEN (default 5). */
  openWaitTime?: number;
  families?: Family[];
  extendedMessage?: boolean;
  routeReflectorClient?: boolean;
  nextHopMode?: 'auto' | 'self' | 'keep';
  allowOwnAs?: number;
  gracefulRestart?: boolean;
  maxPrefixes?: { limit: number; restartDelay?: number };
  filters?: string[];
}

interface RawRoute {
  prefix: string;
  nextHop?: string;
  communities?: string[];
  largeCommunities?: string[];
  med?: number;
  localPref?: number;
}

interface RawFile {
  asNumber: unknown;
  routerId: string;
  listen?: { address: string; port?: number };
  statusSocket?: string;
  logLevel?: string;
  clusterId?: number | string;
  alwaysCompareMed?: boolean;
  gracefulRestart?: { restartTime?: number; staleTime?: number; deferralTime?: number; forwardingPreserved?: boolean };
  filters?: Record<string, BgpFilterSpec>;
  peers?: RawPeer[];
  originate?: RawRoute[];
}

/** Parses and validates a speaker file's text. Throws ConfigError listing every problem with its field. */
export function parseSpeakerFile(text: string, source = 'speaker.yaml'): SpeakerFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(source, [`not valid YAML: ${(err as Error).message}`]);
  }
  const validate = validateShape();
  if (!validate(doc)) {
    throw new ConfigError(source, (validate.errors ?? []).map(describeAjvError));
  }
  const raw = doc as unknown as RawFile;
  const problems: string[] = [];
  const asn = parseAsn(raw.asNumber);
  if (asn === undefined) problems.push('asNumber: must be an AS number from 1 to 4294967295 (plain or dotted)');
  if (ipFamily(raw.routerId) !== 4 || raw.routerId === '0.0.0.0') problems.push('routerId: must be a non-zero IPv4 address (RFC 6286)');
  if (raw.listen !== undefined && ipFamily(raw.listen.address) === undefined) problems.push('listen.address: must be an IP address');
  const clusterId = parseClusterId(raw.clusterId);
  if (raw.clusterId !== undefined && clusterId === undefined) {
    problems.push('clusterId: must be a non-zero IPv4 address or a number from 1 to 4294967295 (RFC 4456 CLUSTER_ID)');
  }
  const grRaw = raw.gracefulRestart;
  const gr: GracefulRestartConfig | undefined =
    grRaw === undefined
      ? undefined
      : {
          restartTime: grRaw.restartTime ?? GRACEFUL_RESTART_DEFAULTS.restartTime,
          staleTime: grRaw.staleTime ?? GRACEFUL_RESTART_DEFAULTS.staleTime,
          forwardingPreserved: grRaw.forwardingPreserved ?? GRACEFUL_RESTART_DEFAULTS.forwardingPreserved,
        };
  const filterSpecs = parseFilters(raw.filters ?? {}, problems);
  const seen = new Set<string>();
  const peers: PeerConfig[] = [];
  (raw.peers ?? []).forEach((p, i) => {
    const at = `peers[${i}]`;
    if (ipFamily(p.address) === undefined) problems.push(`${at}.address: must be an IP address`);
    if (seen.has(p.address)) problems.push(`${at}.address: ${p.address} is configured twice`);
    seen.add(p.address);
    const peerAsn = parseAsn(p.asNumber);
    if (peerAsn === undefined) problems.push(`${at}.asNumber: must be an AS number from 1 to 4294967295`);
    const localAsn = p.localAsNumber === undefined ? asn : parseAsn(p.localAsNumber);
    if (localAsn === undefined && p.localAsNumber !== undefined) problems.push(`${at}.localAsNumber: must be an AS number from 1 to 4294967295`);
    if (p.localAddress !== undefined && ipFamily(p.localAddress) === undefined) problems.push(`${at}.localAddress: must be an IP address`);
    const holdTime = p.holdTime ?? PEER_DEFAULTS.holdTime;
    if (holdTime === 1 || holdTime === 2) problems.push(`${at}.holdTime: must be 0 or at least 3 seconds (RFC 4271 §4.2)`);
    if (p.keepaliveTime !== undefined && holdTime !== 0 && p.keepaliveTime > holdTime / 3) {
      problems.push(`${at}.keepaliveTime: must be at most one third of holdTime (${Math.floor(holdTime / 3)})`);
    }
    if (p.routeReflectorClient === true && peerAsn !== undefined && localAsn !== undefined && peerAsn !== localAsn) {
      problems.push(`${at}.routeReflectorClient: only an iBGP peer (asNumber equal to the local AS ${localAsn}) can be a route-reflector client`);
    }
    if (peerAsn === undefined || localAsn === undefined || asn === undefined) return;
    peers.push({
      name: p.name ?? p.address,
      address: p.address,
      port: p.port ?? PEER_DEFAULTS.port,
      asn: peerAsn,
      localAsn,
      routerId: raw.routerId,
      localAddress: p.localAddress ?? (raw.listen?.address !== undefined && ipFamily(raw.listen.address) === ipFamily(p.address) && !isWildcard(raw.listen.address) ? raw.listen.address : undefined),
      passive: p.passive ?? false,
      holdTime,
      keepaliveTime: p.keepaliveTime,
      connectRetryTime: p.connectRetryTime ?? PEER_DEFAULTS.connectRetryTime,
      ...(p.openWaitTime !== undefined ? { openWaitTime: p.openWaitTime } : {}),
      families: p.families ?? PEER_DEFAULTS.families,
      extendedMessage: p.extendedMessage ?? PEER_DEFAULTS.extendedMessage,
      ...(p.routeReflectorClient !== undefined ? { routeReflectorClient: p.routeReflectorClient } : {}),
      ...(p.nextHopMode !== undefined ? { nextHopMode: p.nextHopMode } : {}),
      ...(p.allowOwnAs !== undefined ? { allowOwnAs: p.allowOwnAs } : {}),
      ...(gr !== undefined && p.gracefulRestart !== false ? { gracefulRestart: gr } : {}),
      ...peerFilters(p.filters, filterSpecs, `${at}.filters`, problems),
      ...(p.maxPrefixes !== undefined ? { maxPrefixes: { limit: p.maxPrefixes.limit, restartDelay: p.maxPrefixes.restartDelay ?? 60 } } : {}),
    });
  });
  const originate: LocalRoute[] = [];
  (raw.originate ?? []).forEach((r, i) => {
    const at = `originate[${i}]`;
    const prefix = parsePrefix(r.prefix);
    if (typeof prefix === 'string') {
      problems.push(`${at}.prefix: ${prefix}`);
      return;
    }
    if (r.nextHop !== undefined && ipFamily(r.nextHop) !== familyVersion(prefix.family)) {
      problems.push(`${at}.nextHop: must be an ${prefix.family === 'ipv4' ? 'IPv4' : 'IPv6'} address for ${r.prefix}`);
    }
    const communities: number[] = [];
    (r.communities ?? []).forEach((c, j) => {
      const v = parseStandardCommunity(c, { names: true });
      if (v === undefined) problems.push(`${at}.communities[${j}]: must be ASN:VALUE (each 0-65535) or a well-known name such as no-export`);
      else communities.push(v);
    });
    const large: Array<[number, number, number]> = [];
    (r.largeCommunities ?? []).forEach((c, j) => {
      const v = parseLargeCommunity(c);
      if (v === undefined) problems.push(`${at}.largeCommunities[${j}]: must be GLOBAL:LOCAL1:LOCAL2 (each 0-4294967295)`);
      else large.push(v);
    });
    originate.push({
      prefix,
      nextHop: r.nextHop === undefined ? undefined : ipFamily(r.nextHop) === 6 ? canonicalIpv6(r.nextHop) : r.nextHop,
      communities,
      largeCommunities: large,
      med: r.med,
      localPref: r.localPref,
    });
  });
  if (problems.length > 0 || asn === undefined) throw new ConfigError(source, problems);
  return {
    speaker: {
      asn,
      routerId: raw.routerId,
      listen: raw.listen ? { address: raw.listen.address, port: raw.listen.port ?? 179 } : undefined,
      ...(clusterId !== undefined ? { clusterId } : {}),
      ...(raw.alwaysCompareMed !== undefined ? { alwaysCompareMed: raw.alwaysCompareMed } : {}),
      // With graceful restart configured, every start is treated as a restart (RFC 4724 §4.1): peers that kept our
      // routes get them back before their stale timers run, and nobody sees a half table.
      ...(grRaw !== undefined ? { restartDeferralTime: grRaw.deferralTime ?? DEFAULT_DEFERRAL_TIME } : {}),
    },
    peers,
    originate,
    statusSocket: raw.statusSocket ?? DEFAULT_STATUS_SOCKET,
    logLevel: raw.logLevel,
  };
}

/**
 * The file's named filters: Calico BGPFilter `spec` bodies (projectcalico.org/v3), translated into the RIB's rules;
 * problems are reported as `filters.<name>.<field>`.
 */
function parseFilters(raw: Record<string, BgpFilterSpec>, problems: string[]): Map<string, PeerFilters> {
  const out = new Map<string, PeerFilters>();
  for (const [name, spec] of Object.entries(raw)) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) problems.push(`filters.${name}: a filter name must be a lowercase RFC 1123 subdomain`);
    out.set(name, translateFilterSpec(spec, problems, `filters.${name}.`));
  }
  return out;
}

/** A peer's filters, the named filters' rule lists concatenated in the peer's order. */
function peerFilters(names: string[] | undefined, filters: Map<string, PeerFilters>, at: string, problems: string[]): { filters?: PeerFilters } {
  const f = peerFilterRules(names ?? [], filters, (n, i) => problems.push(`${at}[${i}]: no filter named "${n}" under filters`));
  return f === undefined ? {} : { filters: f };
}

/** RFC 4456 CLUSTER_ID: dotted quad (as BIRD and Calico write it) or a 32-bit number; returned as a dotted quad. */
function parseClusterId(v: number | string | undefined): string | undefined {
  if (v === undefined) return undefined;
  let n: number | undefined;
  if (typeof v === 'number' || /^\d{1,10}$/.test(v)) n = Number(v);
  else if (ipFamily(v) === 4) n = v.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 0xffffffff) return undefined;
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function isWildcard(addr: string): boolean {
  return addr === '0.0.0.0' || addr === '::';
}
