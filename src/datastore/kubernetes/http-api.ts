// KubeApi over node:http/node:https, reading a kubeconfig (or the in-cluster service account). The production client is
// @kubernetes/client-node (client-node-api.ts); this adapter is the fallback where that ES module cannot be loaded
// (a Node older than 20.19), and it speaks the same REST calls client-node makes; the conformance suite runs on both.
// Owns: HTTP requests, the newline-delimited JSON watch stream, and the agent's sockets (close()).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { parse as parseYaml } from 'yaml';
import {
  KubeApiError,
  kubeApiErrorFromStatus,
  requestResource,
  resourcePath,
  withRequest,
  type KubeApi,
  type KubeRequest,
  type Subresource,
  type KubeList,
  type KubeListOptions,
  type KubeObject,
  type KubeWatchEvent,
  type KubeWatchOptions,
  type KubeWatchStream,
  type ResourceRef,
} from './kube-api';
import { parseJsonLossless, stringifyJsonInt64 } from './int64-json';

/** Where to connect and how to authenticate: what a kubeconfig's current context resolves to. */
export interface KubeEndpoint {
  /** https://host:port or http://host:port */
  readonly server: string;
  readonly token?: string;
  readonly ca?: Buffer;
  readonly clientCert?: Buffer;
  readonly clientKey?: Buffer;
  readonly insecureSkipTlsVerify?: boolean;
}

/** The `field` mapping of the entry called `name` in a kubeconfig list (clusters, users, contexts). */
function pick(list: unknown, name: string | undefined, field: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = (list as unknown[]).find((e) => (e as { name?: unknown } | null)?.name === name) as Record<string, unknown> | undefined;
  const value = entry?.[field];
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function fileOrData(obj: Record<string, unknown> | undefined, dataKey: string, fileKey: string): Buffer | undefined {
  const data = obj?.[dataKey];
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  const file = obj?.[fileKey];
  if (typeof file === 'string' && file !== '') return fs.readFileSync(file);
  return undefined;
}

/** Resolves a kubeconfig's current context (token, client certificate or none; CA or insecure). */
export function endpointFromKubeconfig(text: string, context?: string): KubeEndpoint {
  const doc = parseYaml(text) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object') throw new Error('kubeconfig: not a YAML mapping');
  const ctxName = context ?? (typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined);
  const ctx = pick(doc.contexts, ctxName, 'context');
  if (!ctx) throw new Error(`kubeconfig: context "${String(ctxName)}" not found`);
  const cluster = pick(doc.clusters, ctx.cluster as string | undefined, 'cluster');
  if (!cluster || typeof cluster.server !== 'string') throw new Error(`kubeconfig: cluster "${String(ctx.cluster)}" has no server`);
  const user = pick(doc.users, ctx.user as string | undefined, 'user');
  let token = typeof user?.token === 'string' ? user.token : undefined;
  if (token === undefined && typeof user?.tokenFile === 'string') token = fs.readFileSync(user.tokenFile, 'utf8').trim();
  return {
    server: cluster.server.replace(/\/+$/, ''),
    token,
    ca: fileOrData(cluster, 'certificate-authority-data', 'certificate-authority'),
    clientCert: fileOrData(user, 'client-certificate-data', 'client-certificate'),
    clientKey: fileOrData(user, 'client-key-data', 'client-key'),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster endpoint (a pod's service account), or undefined outside a cluster. */
export function inClusterEndpoint(env: NodeJS.ProcessEnv = process.env): KubeEndpoint | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !fs.existsSync(`${SA_DIR}/token`)) return undefined;
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token: fs.readFileSync(`${SA_DIR}/token`, 'utf8').trim(),
    ca: fs.existsSync(`${SA_DIR}/ca.crt`) ? fs.readFileSync(`${SA_DIR}/ca.crt`) : undefined,
  };
}

export interface HttpKubeApiOptions {
  /** Per-request time limit (not for watches). Default 30 s. */
  readonly requestTimeoutMs?: number;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export class HttpKubeApi implements KubeApi {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly streams = new Set<http.ClientRequest>();
  private readonly timeoutMs: number;

  constructor(
    private readonly endpoint: KubeEndpoint,
    opts: HttpKubeApiOptions = {},
  ) {
    this.base = new URL(endpoint.server);
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca: endpoint.ca,
            cert: endpoint.clientCert,
            key: endpoint.clientKey,
            rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
          })
        : new http.Agent({ keepAlive: true });
  }

  private open(method: string, path: string, headers: Record<string, string>): http.ClientRequest {
    const mod = this.base.protocol === 'https:' ? https : http;
    return mod.request({
      protocol: this.base.protocol,
      hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
      port: this.base.port,
      path: `${this.base.pathname.replace(/\/$/, '')}${path}`,
      method,
      agent: this.agent,
      headers: {
        accept: 'application/json',
        ...(this.endpoint.token ? { authorization: `Bearer ${this.endpoint.token}` } : {}),
        ...headers,
      },
    });
  }

  private async call(request: KubeRequest, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    try {
      return await this.send(method, path, body, contentType);
    } catch (err) {
      throw err instanceof KubeApiError ? withRequest(err, request) : err;
    }
  }

  private send(method: string, path: string, body: unknown, contentType: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : stringifyJsonInt64(body);
      const req = this.open(method, path, data === undefined ? {} : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(data)) });
      const timer = setTimeout(() => req.destroy(new Error(`${method} ${path}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(new KubeApiError(0, undefined, `${method} ${path}: ${err.message}`, undefined, { cause: err }));
        });
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : parseJsonLossless(text);
          } catch {
            parsed = undefined;
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve(parsed);
          else reject(kubeApiErrorFromStatus(code, parsed, `${method} ${path}: HTTP ${code}`));
        });
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(new KubeApiError(0, undefined, `${method} ${path}: ${err.message}`, undefined, { cause: err }));
      });
      req.end(data);
    });
  }

  async get(ref: ResourceRef, name: string): Promise<KubeObject> {
    return (await this.call({ verb: 'get', resource: requestResource(ref) }, 'GET', resourcePath(ref, name))) as KubeObject;
  }

  async list(ref: ResourceRef, opts: KubeListOptions = {}): Promise<KubeList> {
    const body = (await this.call({ verb: 'list', resource: requestResource(ref) }, 'GET', resourcePath(ref) + query({ ...opts }))) as {
      items?: KubeObject[];
      metadata?: { resourceVersion?: string };
    };
    return { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  async create(ref: ResourceRef, obj: KubeObject): Promise<KubeObject> {
    return (await this.call({ verb: 'create', resource: requestResource(ref) }, 'POST', resourcePath(ref), obj)) as KubeObject;
  }

  async replace(ref: ResourceRef, name: string, obj: KubeObject, subresource?: Subresource): Promise<KubeObject> {
    return (await this.call({ verb: 'update', resource: requestResource(ref, subresource) }, 'PUT', resourcePath(ref, name, subresource), obj)) as KubeObject;
  }

  async mergePatch(ref: ResourceRef, name: string, patch: unknown, subresource?: Subresource): Promise<KubeObject> {
    const request = { verb: 'patch', resource: requestResource(ref, subresource) };
    return (await this.call(request, 'PATCH', resourcePath(ref, name, subresource), patch, 'application/merge-patch+json')) as KubeObject;
  }

  async delete(ref: ResourceRef, name: string, preconditions?: { resourceVersion?: string; uid?: string }): Promise<KubeObject> {
    const body = preconditions ? { apiVersion: 'v1', kind: 'DeleteOptions', preconditions } : undefined;
    return (await this.call({ verb: 'delete', resource: requestResource(ref) }, 'DELETE', resourcePath(ref, name), body)) as KubeObject;
  }

  watch(ref: ResourceRef, opts: KubeWatchOptions, onEvent: (e: KubeWatchEvent) => void, onDone: (err?: Error) => void): Promise<KubeWatchStream> {
    const path =
      resourcePath(ref) +
      query({
        watch: true,
        resourceVersion: opts.resourceVersion,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        allowWatchBookmarks: opts.allowWatchBookmarks,
        timeoutSeconds: opts.timeoutSeconds,
      });
    return new Promise((resolve, reject) => {
      const req = this.open('GET', path, {});
      this.streams.add(req);
      let settled = false;
      let done = false;
      const finish = (err?: Error): void => {
        this.streams.delete(req);
        if (!settled) {
          settled = true;
          reject(err ?? new KubeApiError(0, undefined, `watch ${path}: closed before it started`));
          return;
        }
        if (done) return;
        done = true;
        onDone(err);
      };
      const stream: KubeWatchStream = {
        abort: () => {
          req.destroy();
          finish();
        },
      };
      req.on('response', (res) => {
        const code = res.statusCode ?? 0;
        if (code !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = parseJsonLossless(Buffer.concat(chunks).toString('utf8'));
            } catch {
              parsed = undefined;
            }
            this.streams.delete(req);
            settled = true;
            reject(withRequest(kubeApiErrorFromStatus(code, parsed, `watch ${path}: HTTP ${code}`), { verb: 'watch', resource: requestResource(ref) }));
          });
          return;
        }
        settled = true;
        resolve(stream);
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          // Bounded by the received text: each iteration consumes one line.
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line === '' || done) continue;
            let event: KubeWatchEvent;
            try {
              event = parseJsonLossless(line) as KubeWatchEvent;
            } catch (err) {
              req.destroy();
              finish(new KubeApiError(0, undefined, `watch ${path}: undecodable event`, undefined, { cause: err }));
              return;
            }
            onEvent(event);
          }
        });
        res.on('end', () => finish());
        res.on('error', (err) => finish(err));
        res.on('close', () => finish());
      });
      req.on('error', (err) => finish(new KubeApiError(0, undefined, `watch ${path}: ${err.message}`, undefined, { cause: err })));
      req.end();
    });
  }

  close(): void {
    for (const req of [...this.streams]) req.destroy();
    this.streams.clear();
    this.agent.destroy();
  }
}
