// The composition step that turns a ClientConfig (src/cli/client-config.ts: what the operator configured) into a real
// Datastore: an EtcdDatastore with its TLS files read and SRV discovery resolved, or a KubernetesDatastore on
// @kubernetes/client-node (node:http when that cannot load) from a kubeconfig, an inline kubeconfig, or an API
// endpoint with token/certificates. Only src/cmd may build real backends; everything else receives the interface.
import { promises as dns } from 'node:dns';
import fs from 'node:fs';
import tls from 'node:tls';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ClientConfigError, type ClientConfig, type EtcdClientConfig, type KubeClientConfig } from '../cli/client-config';
import type { Datastore } from '../datastore';
import type { KubeApi } from '../datastore/kubernetes/kube-api';
import type { Logger } from '../lib/logger';
import { describeError } from '../lib/errors';

// The backends are loaded when first opened (etcd3 brings gRPC, the kubernetes one @kubernetes/client-node), so
// commands that never touch a datastore (version, validate, bgp, cni) start without them.

function readConfigFile(path: string, field: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw new ClientConfigError(`${field} ${path}: ${describeError(err)}`);
  }
}

/** Etcd's DNS discovery: _etcd-client-ssl._tcp (https) then _etcd-client._tcp (http) SRV records of the domain. */
async function discoverEtcd(domain: string): Promise<string[]> {
  for (const [service, scheme] of [
    ['_etcd-client-ssl._tcp', 'https'],
    ['_etcd-client._tcp', 'http'],
  ] as const) {
    try {
      const records = await dns.resolveSrv(`${service}.${domain}`);
      if (records.length > 0) return records.map((r) => `${scheme}://${r.name.replace(/\.$/, '')}:${r.port}`);
    } catch {
      // No such record: try the next service name.
    }
  }
  throw new ClientConfigError(`etcdDiscoverySrv ${domain}: no _etcd-client-ssl._tcp or _etcd-client._tcp SRV records`);
}

async function openEtcd(cfg: EtcdClientConfig, logger?: Logger): Promise<Datastore> {
  const { EtcdDatastore } = await import('../datastore/etcd/etcd-datastore');
  const endpoints = cfg.endpoints.length > 0 ? [...cfg.endpoints] : await discoverEtcd(cfg.discoverySrv ?? '');
  const pem = (inline: string | undefined, file: string | undefined, field: string): Buffer | undefined =>
    inline !== undefined ? Buffer.from(inline) : file !== undefined ? readConfigFile(file, field) : undefined;
  const ca = pem(cfg.caCert, cfg.caCertFile, 'etcdCACertFile');
  const cert = pem(cfg.cert, cfg.certFile, 'etcdCertFile');
  const key = pem(cfg.key, cfg.keyFile, 'etcdKeyFile');
  const useTls = ca !== undefined || cert !== undefined;
  return new EtcdDatastore({
    endpoints,
    // Without a CA of its own, trust the system's roots, as Go's crypto/tls does.
    ...(useTls ? { tls: { ca: ca ?? Buffer.from(tls.rootCertificates.join('\n')), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } } : {}),
    ...(cfg.username !== undefined ? { auth: { username: cfg.username, password: cfg.password ?? '' } } : {}),
    ...(logger ? { logger } : {}),
  });
}

/** A kubeconfig for an API endpoint given field by field (k8sAPIEndpoint, k8sCAFile, k8sAPIToken, ...). */
function kubeconfigForEndpoint(k: KubeClientConfig): string {
  const cluster: Record<string, unknown> = { server: k.apiEndpoint };
  if (k.caFile) cluster['certificate-authority'] = k.caFile;
  if (k.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  const user: Record<string, unknown> = {};
  if (k.apiToken) user.token = k.apiToken;
  if (k.certFile) user['client-certificate'] = k.certFile;
  if (k.keyFile) user['client-key'] = k.keyFile;
  return stringifyYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'gingham', cluster }],
    users: [{ name: 'gingham', user }],
    contexts: [{ name: 'gingham', context: { cluster: 'gingham', user: 'gingham' } }],
    'current-context': 'gingham',
  });
}

/** The kubeconfig text to use, or undefined for the in-cluster service account. */
function kubeconfigText(k: KubeClientConfig): string | undefined {
  let text: string | undefined;
  if (k.kubeconfigInline !== undefined) text = k.kubeconfigInline;
  else if (k.kubeconfig !== undefined) text = readConfigFile(k.kubeconfig, 'kubeconfig').toString('utf8');
  else if (k.apiEndpoint !== undefined) text = kubeconfigForEndpoint(k);
  if (text !== undefined && k.currentContext !== undefined) {
    const doc = parseYaml(text) as Record<string, unknown> | null;
    if (doc !== null && typeof doc === 'object') text = stringifyYaml({ ...doc, 'current-context': k.currentContext });
  }
  return text;
}

async function openKubernetes(k: KubeClientConfig, logger?: Logger): Promise<Datastore> {
  const { endpointFromKubeconfig, HttpKubeApi, inClusterEndpoint } = await import('../datastore/kubernetes/http-api');
  const { createClientNodeApi } = await import('../datastore/kubernetes/client-node-api');
  const { KubernetesDatastore } = await import('../datastore/kubernetes/kubernetes-datastore');
  const text = kubeconfigText(k);
  if (text === undefined && inClusterEndpoint() === undefined) {
    throw new ClientConfigError('kubernetes datastore: no kubeconfig (set KUBECONFIG, spec.kubeconfig or ~/.kube/config) and not running in a cluster');
  }
  let api: KubeApi | undefined;
  try {
    api = createClientNodeApi(text);
  } catch (err) {
    logger?.debug('@kubernetes/client-node unavailable; using the node:http client', { error: describeError(err) });
  }
  if (api === undefined) {
    const endpoint = text !== undefined ? endpointFromKubeconfig(text) : inClusterEndpoint();
    if (endpoint === undefined) throw new ClientConfigError('kubernetes datastore: the in-cluster service account disappeared');
    api = new HttpKubeApi(endpoint);
  }
  return new KubernetesDatastore({ api, ...(logger ? { logger } : {}) });
}

/** CliDeps.openDatastore: the real backend a ClientConfig names. */
export async function openDatastore(cfg: ClientConfig, logger?: Logger): Promise<Datastore> {
  return cfg.datastoreType === 'etcdv3' ? openEtcd(cfg.etcd, logger) : openKubernetes(cfg.kubernetes, logger);
}
