// TEST FIXTURE support: a throwaway certificate authority and a server certificate for 127.0.0.1, made once per
// process with the openssl command, so the API server fixture serves HTTPS as a real kube-apiserver does and clients
// verify it through the kubeconfig's certificate-authority-data (no insecure-skip-tls-verify).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

let cached: FixtureTls | undefined;

export function fixtureTls(): FixtureTls {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'gingham-kube-fixture-tls-'));
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  try {
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=gingham-fixture-ca']);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
    cached = { ca: readFileSync(join(dir, 'ca.crt')), cert: readFileSync(join(dir, 'server.crt')), key: readFileSync(join(dir, 'server.key')) };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
