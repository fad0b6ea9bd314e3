// CliDeps.requestServiceAccountToken: a TokenRequest (authentication.k8s.io/v1, POST
// /api/v1/namespaces/<ns>/serviceaccounts/<name>/token) made with this pod's own ServiceAccount, as Calico's install-cni
// does for calico-cni-plugin (cni-plugin/pkg/install/install.go writeKubeconfig, via cni.NewTokenRefresher). Outside a
// pod (no in-cluster endpoint) it answers undefined.
import fs from 'node:fs';
import https from 'node:https';
import { inClusterEndpoint } from '../datastore/kubernetes/http-api';
import { KubeApiError } from '../datastore/kubernetes/kube-api';

const NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export async function requestServiceAccountToken(name: string, expirationSeconds: number): Promise<{ server: string; ca?: Buffer; token: string } | undefined> {
  const ep = inClusterEndpoint();
  if (ep === undefined || !fs.existsSync(NAMESPACE_FILE)) return undefined;
  const ns = fs.readFileSync(NAMESPACE_FILE, 'utf8').trim();
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } });
  const url = `${ep.server}/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(name)}/token`;
  const token = await new Promise<string>((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ...(ep.ca ? { ca: ep.ca } : {}), headers: { authorization: `Bearer ${ep.token ?? ''}`, 'content-type': 'application/json' }, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const got = (() => {
          try {
            return (JSON.parse(text) as { status?: { token?: unknown } }).status?.token;
          } catch {
            return undefined;
          }
        })();
        if (res.statusCode === 201 && typeof got === 'string') resolve(got);
        else reject(new KubeApiError(res.statusCode ?? 0, undefined, `TokenRequest for serviceaccount ${ns}/${name}: HTTP ${res.statusCode ?? 0}: ${text.slice(0, 300)}`));
      });
    });
    req.on('timeout', () => req.destroy(new KubeApiError(0, undefined, `TokenRequest for serviceaccount ${ns}/${name}: no answer within 30 s`)));
    req.on('error', (err) => reject(err instanceof KubeApiError ? err : new KubeApiError(0, undefined, `TokenRequest for serviceaccount ${ns}/${name}: ${err.message}`, undefined, { cause: err })));
    req.end(body);
  });
  return { server: ep.server, ...(ep.ca ? { ca: ep.ca } : {}), token };
}
