// What an e2e test needs from the machine, checked up front. Outside CI a missing tool skips the suite with the reason
// printed; under CI (CI=true) a missing tool is a failure, never a skip (only kernel features this machine lacks may
// skip, through kernelFeature()).
import { spawnSync } from 'node:child_process';

export const inCi = process.env.CI === 'true';

function haveCommand(cmd: string): boolean {
  const res = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8', timeout: 5000 });
  return res.status === 0 && res.stdout.trim().length > 0;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Returns true when every command exists (and root is available when asked for). Otherwise: under CI throws, so
 * the suite fails loudly; elsewhere prints why and returns false so the caller can `describe.skip`.
 */
export function requireTools(suite: string, commands: readonly string[], opts: { root?: boolean } = {}): boolean {
  const missing = commands.filter((c) => !haveCommand(c));
  const problems = [...missing.map((m) => `command "${m}" not found`)];
  if (opts.root && !isRoot()) problems.push('needs root');
  if (problems.length === 0) return true;
  const msg = `${suite}: ${problems.join('; ')} (install with: sudo scripts/setup.sh)`;
  if (inCi) throw new Error(`CI=true and ${msg}`);
  process.stderr.write(`SKIP ${msg}\n`);
  return false;
}

/** A kernel feature this machine may lack (e.g. the ipip module): the one case where CI may skip, with the reason. */
export function kernelFeature(suite: string, feature: string, available: boolean, reason: string): boolean {
  if (available) return true;
  process.stderr.write(`SKIP ${suite}: kernel lacks ${feature}: ${reason}\n`);
  return false;
}

/** describe when the requirement holds, describe.skip otherwise (the reason was already printed). */
export function describeIf(ok: boolean): jest.Describe {
  return ok ? describe : describe.skip;
}
