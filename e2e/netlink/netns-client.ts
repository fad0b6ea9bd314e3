// Runs a real RtNetlink inside a network namespace for the e2e test. A jest worker cannot enter another namespace, so
// the Netlink lives in a child (`ip netns exec NS node netns-child.js`) and this module hands the test a proxy with the
// same methods, each call one JSON line (the product mechanism: src/netlink/netns-proxy.ts, netns-serve.ts). Errors
// come back as NetlinkError (IpipUnavailableError for that case) so the test asserts on the same typed errors the
// dataplane sees.
//
// The child is transpiled (typescript.transpileModule, no type check) from src/lib, src/netlink and netns-child.ts into
// a temp dir, so the test does not depend on a prior `npm run build` and runs the sources under test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { startNetnsNetlink, type NetnsNetlink } from '../../src/netlink/netns-proxy';

const ROOT = path.join(__dirname, '..', '..');

/** Transpiles what the child needs into a fresh temp dir; returns the dir (delete it with removeBuild). */
export function buildChild(): string {
  const out = mkdtempSync(path.join(tmpdir(), 'gingham-nl-'));
  const dirs = ['src/lib', 'src/netlink'];
  const files = dirs.flatMap((d) =>
    readdirSync(path.join(ROOT, d))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => path.join(d, f)),
  );
  files.push('e2e/netlink/netns-child.ts');
  for (const rel of files) {
    const src = readFileSync(path.join(ROOT, rel), 'utf8');
    const js = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: rel,
    }).outputText;
    const dest = path.join(out, rel.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  return out;
}

export function removeBuild(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export type { NetnsNetlink } from '../../src/netlink/netns-proxy';

/** Starts the child in namespace `ns` and returns a Netlink proxy talking to it (src/netlink/netns-proxy.ts). */
export function startInNetns(ns: string, buildDir: string): NetnsNetlink {
  return startNetnsNetlink({
    argv: ['ip', 'netns', 'exec', ns, process.execPath, path.join(buildDir, 'e2e/netlink/netns-child.js')],
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
    callTimeoutMs: 20000,
  });
}

/** Runs a command inside a namespace; throws with its output when it fails. */
export function inNetns(ns: string, cmd: string[], timeoutMs = 10000): string {
  const res = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: timeoutMs });
  if (res.status !== 0) throw new Error(`ip netns exec ${ns} ${cmd.join(' ')}: status ${res.status}: ${res.stderr}${res.error ? String(res.error) : ''}`);
  return res.stdout;
}
