// Where the CLI finds its datastore, decided as calicoctl decides it (libcalico-go lib/apiconfig/load.go and
// calicoctl's clientmgr): the file named by --config, else /etc/gingham/gingham.cfg when it exists, else the
// environment. Both give a ClientConfig. This module only reads and checks configuration; it never connects:
// src/cmd turns a ClientConfig into a real Datastore (CliDeps.openDatastore), tests into a MemoryDatastore.
//
// File formats (YAML or JSON, strict: an unknown field is an error, as Calico's UnmarshalStrict):
//   - Calico's own:   apiVersion: projectcalico.org/v3, kind: CalicoAPIConfig, metadata: (ignored), spec: {...}
//   - Gingham's short form: the spec fields alone at the top level (datastoreType, etcdEndpoints, kubeconfig, ...).
// Environment: every spec field's variable (DATASTORE_TYPE, ETCD_ENDPOINTS, ETCD_KEY_FILE, ETCD_CERT_FILE,
// ETCD_CA_CERT_FILE, ETCD_USERNAME, ETCD_PASSWORD, KUBECONFIG, K8S_API_ENDPOINT, ...), also with Calico's envconfig
// prefix (CALICO_DATASTORE_TYPE), which wins when both are set. As in Calico, a file and the environment are never
// merged. Defaults: datastoreType is etcdv3 when etcd endpoints are given, kubernetes otherwise; kubernetes without
// any way to reach the API server uses ~/.kube/config when it exists (else in-cluster credentials).
import { parse as parseYaml } from 'yaml';
import { GinghamError, describeError } from '../lib/errors';
import { didYouMean } from '../lib/suggest';

export const DEFAULT_CONFIG_PATH = '/etc/gingham/gingham.cfg';

export type DatastoreType = 'etcdv3' | 'kubernetes';

export interface EtcdClientConfig {
  /** Client URLs (etcdEndpoints split on commas). Empty only when discoverySrv is set. */
  readonly endpoints: readonly string[];
  /** DNS domain whose _etcd-client(-ssl)._tcp SRV records list the endpoints. */
  readonly discoverySrv?: string;
  readonly username?: string;
  readonly password?: string;
  readonly keyFile?: string;
  readonly certFile?: string;
  readonly caCertFile?: string;
  /** Inline PEM (file only: Calico has no variables for these, to avoid leaking them). */
  readonly key?: string;
  readonly cert?: string;
  readonly caCert?: string;
}

export interface KubeClientConfig {
  /** Path of a kubeconfig (KUBECONFIG may list several, colon-separated: the first one is used). */
  readonly kubeconfig?: string;
  /** A whole kubeconfig in the file itself; overrides kubeconfig. */
  readonly kubeconfigInline?: string;
  /** https://host:port; with the key/cert/CA/token fields, an alternative to a kubeconfig. */
  readonly apiEndpoint?: string;
  readonly keyFile?: string;
  readonly certFile?: string;
  readonly caFile?: string;
  readonly apiToken?: string;
  readonly insecureSkipTLSVerify?: boolean;
  readonly currentContext?: string;
}

export interface ClientConfig {
  readonly datastoreType: DatastoreType;
  readonly etcd: EtcdClientConfig;
  readonly kubernetes: KubeClientConfig;
  /** Where the configuration came from, for messages: a file path or "environment". */
  readonly source: string;
}

/** The configuration cannot be read or is wrong; the message names the file (or variable) and the field. */
export class ClientConfigError extends GinghamError {
  constructor(message: string) {
    super('BadClientConfig', message);
  }
}

type FieldType = 'string' | 'bool' | 'number';

interface SpecField {
  readonly json: string;
  readonly type: FieldType;
  /** Environment variable without the CALICO_ prefix; absent for file-only fields. */
  readonly env?: string;
}

/** CalicoAPIConfigSpec (libcalico-go lib/apiconfig/apiconfig.go), in its order. */
const SPEC_FIELDS: readonly SpecField[] = [
  { json: 'datastoreType', type: 'string', env: 'DATASTORE_TYPE' },
  { json: 'etcdEndpoints', type: 'string', env: 'ETCD_ENDPOINTS' },
  { json: 'etcdDiscoverySrv', type: 'string', env: 'ETCD_DISCOVERY_SRV' },
  { json: 'etcdUsername', type: 'string', env: 'ETCD_USERNAME' },
  { json: 'etcdPassword', type: 'string', env: 'ETCD_PASSWORD' },
  { json: 'etcdKeyFile', type: 'string', env: 'ETCD_KEY_FILE' },
  { json: 'etcdCertFile', type: 'string', env: 'ETCD_CERT_FILE' },
  { json: 'etcdCACertFile', type: 'string', env: 'ETCD_CA_CERT_FILE' },
  { json: 'etcdKey', type: 'string' },
  { json: 'etcdCert', type: 'string' },
  { json: 'etcdCACert', type: 'string' },
  { json: 'kubeconfig', type: 'string', env: 'KUBECONFIG' },
  { json: 'k8sAPIEndpoint', type: 'string', env: 'K8S_API_ENDPOINT' },
  { json: 'k8sKeyFile', type: 'string', env: 'K8S_KEY_FILE' },
  { json: 'k8sCertFile', type: 'string', env: 'K8S_CERT_FILE' },
  { json: 'k8sCAFile', type: 'string', env: 'K8S_CA_FILE' },
  { json: 'k8sAPIToken', type: 'string', env: 'K8S_API_TOKEN' },
  { json: 'k8sInsecureSkipTLSVerify', type: 'bool', env: 'K8S_INSECURE_SKIP_TLS_VERIFY' },
  { json: 'k8sDisableNodePoll', type: 'bool', env: 'K8S_DISABLE_NODE_POLL' },
  { json: 'usePodCIDR', type: 'bool', env: 'USE_POD_CIDR' },
  { json: 'kubeconfigInline', type: 'string' },
  { json: 'k8sClientQPS', type: 'number' },
  { json: 'k8sCurrentContext', type: 'string', env: 'K8S_CURRENT_CONTEXT' },
  { json: 'calicoAPIGroup', type: 'string', env: 'CALICO_API_GROUP' },
];

type RawSpec = Record<string, string | boolean | number | undefined>;

/** Go's strconv.ParseBool, which envconfig uses. */
function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  return undefined;
}

const str = (v: string | boolean | number | undefined): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/** Applies Calico's defaults and checks the values; `where(field)` names a field in messages. */
function finish(spec: RawSpec, source: string, where: (json: string) => string, io: ConfigIo): ClientConfig {
  const endpoints = (str(spec.etcdEndpoints) ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const e of endpoints) {
    if (!/^https?:\/\/[^/]+\/?$/.test(e)) throw new ClientConfigError(`${where('etcdEndpoints')}: "${e}" is not an endpoint URL (http://host:port or https://host:port)`);
  }
  let type = str(spec.datastoreType);
  if (type === undefined) type = endpoints.length > 0 || str(spec.etcdDiscoverySrv) ? 'etcdv3' : 'kubernetes';
  if (type !== 'etcdv3' && type !== 'kubernetes') {
    throw new ClientConfigError(`${where('datastoreType')}: must be etcdv3 or kubernetes (got "${type}")`);
  }
  if (spec.calicoAPIGroup !== undefined && str(spec.calicoAPIGroup) !== 'crd.projectcalico.org/v1') {
    throw new ClientConfigError(`${where('calicoAPIGroup')}: only crd.projectcalico.org/v1 is supported (got "${String(spec.calicoAPIGroup)}")`);
  }
  const etcd: EtcdClientConfig = {
    endpoints: type === 'etcdv3' && endpoints.length === 0 && !str(spec.etcdDiscoverySrv) ? ['http://127.0.0.1:2379'] : endpoints,
    ...opt('discoverySrv', str(spec.etcdDiscoverySrv)),
    ...opt('username', str(spec.etcdUsername)),
    ...opt('password', typeof spec.etcdPassword === 'string' && spec.etcdPassword !== '' ? spec.etcdPassword : undefined),
    ...opt('keyFile', str(spec.etcdKeyFile)),
    ...opt('certFile', str(spec.etcdCertFile)),
    ...opt('caCertFile', str(spec.etcdCACertFile)),
    ...opt('key', str(spec.etcdKey)),
    ...opt('cert', str(spec.etcdCert)),
    ...opt('caCert', str(spec.etcdCACert)),
  };
  if ((etcd.certFile ?? etcd.cert) !== undefined && (etcd.keyFile ?? etcd.key) === undefined) {
    throw new ClientConfigError(`${where('etcdKeyFile')}: is required when a client certificate is given`);
  }
  let kubeconfig = str(spec.kubeconfig)
    ?.split(':')
    .find((p) => p !== '');
  const apiEndpoint = str(spec.k8sAPIEndpoint);
  if (type === 'kubernetes' && kubeconfig === undefined && apiEndpoint === undefined && str(spec.kubeconfigInline) === undefined && io.home) {
    // Calico's applyConfigDefaults: $(HOME)/.kube/config when it exists; otherwise leave it to in-cluster config.
    const candidate = `${io.home.replace(/\/+$/, '')}/.kube/config`;
    if (io.exists(candidate)) kubeconfig = candidate;
  }
  const kubernetes: KubeClientConfig = {
    ...opt('kubeconfig', kubeconfig),
    ...opt('kubeconfigInline', str(spec.kubeconfigInline)),
    ...opt('apiEndpoint', apiEndpoint),
    ...opt('keyFile', str(spec.k8sKeyFile)),
    ...opt('certFile', str(spec.k8sCertFile)),
    ...opt('caFile', str(spec.k8sCAFile)),
    ...opt('apiToken', str(spec.k8sAPIToken)),
    ...opt('insecureSkipTLSVerify', spec.k8sInsecureSkipTLSVerify === true ? true : undefined),
    ...opt('currentContext', str(spec.k8sCurrentContext)),
  };
  return { datastoreType: type, etcd, kubernetes, source };
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** What loading needs from the machine; the CLI passes the real file system and process.env. */
export interface ConfigIo {
  /** The file's text, or undefined when it does not exist. Other read failures throw. */
  readFile(path: string): string | undefined;
  exists(path: string): boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** $HOME, for the default kubeconfig. */
  readonly home?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a configuration file's text (CalicoAPIConfig or the short form). `source` is its path, for messages. */
export function parseClientConfig(text: string, source: string, io: ConfigIo): ClientConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    throw new ClientConfigError(`syntax error in ${source}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isObj(doc)) throw new ClientConfigError(`syntax error in ${source}: the configuration must be a mapping`);
  let spec: unknown = doc;
  let prefix = '';
  if ('kind' in doc || 'apiVersion' in doc) {
    // Calico's messages (load.go LoadClientConfigFromBytes).
    if (doc.apiVersion !== 'projectcalico.org/v3') {
      throw new ClientConfigError(`invalid config file ${source}: unknown APIVersion '${String(doc.apiVersion ?? '')}' (expected projectcalico.org/v3)`);
    }
    if (doc.kind !== 'CalicoAPIConfig') {
      throw new ClientConfigError(`invalid config file ${source}: expected kind 'CalicoAPIConfig', got '${String(doc.kind ?? '')}'`);
    }
    for (const k of Object.keys(doc)) {
      if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k)) throw new ClientConfigError(`${source}: ${k}: unknown field${didYouMean(k, ['apiVersion', 'kind', 'metadata', 'spec'])}`);
    }
    spec = doc.spec ?? {};
    prefix = 'spec.';
    if (!isObj(spec)) throw new ClientConfigError(`${source}: spec: must be a mapping`);
  }
  const raw: RawSpec = {};
  for (const [k, v] of Object.entries(spec as Record<string, unknown>)) {
    const field = SPEC_FIELDS.find((fd) => fd.json === k);
    if (!field) throw new ClientConfigError(`${source}: ${prefix}${k}: unknown field${didYouMean(k, SPEC_FIELDS.map((fd) => fd.json))}`);
    if (v === null || v === undefined) continue;
    if (field.type === 'string' && typeof v !== 'string') {
      throw new ClientConfigError(`${source}: ${prefix}${k}: must be a string`);
    }
    if (field.type === 'bool' && typeof v !== 'boolean') throw new ClientConfigError(`${source}: ${prefix}${k}: must be true or false`);
    if (field.type === 'number' && typeof v !== 'number') throw new ClientConfigError(`${source}: ${prefix}${k}: must be a number`);
    raw[k] = v as string | boolean | number;
  }
  return finish(raw, source, (json) => `${source}: ${prefix}${json}`, io);
}

/** Reads the environment as calicoctl does (envconfig with the "calico" prefix, falling back to the plain name). */
export function clientConfigFromEnv(io: ConfigIo): ClientConfig {
  const raw: RawSpec = {};
  const varOf = new Map<string, string>();
  for (const field of SPEC_FIELDS) {
    if (field.env === undefined) continue;
    const prefixed = field.env.startsWith('CALICO_') ? field.env : `CALICO_${field.env}`;
    const name = io.env[prefixed] !== undefined ? prefixed : field.env;
    const value = io.env[name];
    if (value === undefined || value === '') continue;
    varOf.set(field.json, name);
    if (field.type === 'bool') {
      const b = parseBool(value);
      if (b === undefined) throw new ClientConfigError(`environment variable ${name}: must be true or false (got "${value}")`);
      raw[field.json] = b;
    } else if (field.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new ClientConfigError(`environment variable ${name}: must be a number (got "${value}")`);
      raw[field.json] = n;
    } else {
      raw[field.json] = value;
    }
  }
  const envName = (json: string): string => {
    const known = varOf.get(json);
    const field = SPEC_FIELDS.find((fd) => fd.json === json);
    return `environment variable ${known ?? field?.env ?? json}`;
  };
  return finish(raw, 'environment', envName, io);
}

/**
 * The configuration for a command: `configPath` (from --config) must exist; without it, the default file is used
 * when present, else the environment.
 */
export function loadClientConfig(configPath: string | undefined, io: ConfigIo): ClientConfig {
  const path = configPath ?? DEFAULT_CONFIG_PATH;
  let text: string | undefined;
  try {
    text = io.readFile(path);
  } catch (err) {
    throw new ClientConfigError(`error reading config file ${path}: ${describeError(err)}`);
  }
  if (text === undefined) {
    if (configPath !== undefined) throw new ClientConfigError(`error reading config file ${path}: no such file`);
    return clientConfigFromEnv(io);
  }
  return parseClientConfig(text, path, io);
}

/** One line for logs and `gingham version`: "etcdv3 (http://127.0.0.1:2379)" or "kubernetes (/root/.kube/config)". */
export function describeClientConfig(cfg: ClientConfig): string {
  if (cfg.datastoreType === 'etcdv3') {
    return `etcdv3 (${cfg.etcd.endpoints.length > 0 ? cfg.etcd.endpoints.join(',') : `SRV ${cfg.etcd.discoverySrv ?? ''}`})`;
  }
  const k = cfg.kubernetes;
  return `kubernetes (${k.kubeconfigInline ? 'inline kubeconfig' : (k.kubeconfig ?? k.apiEndpoint ?? 'in-cluster')})`;
}
