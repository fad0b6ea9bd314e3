// The CNI specification versions this plugin speaks and the VERSION command's answer. Results are produced in the
// configuration's cniVersion (cni-result.ts); configurations naming a version outside SUPPORTED_VERSIONS fail with
// code 1 (incompatible version), as SPEC.md requires.
import { CNI_ERR, CniError } from './cni-error';

/** The newest version: VERSION answers in it, and errors before a configuration is parsed use it. */
export const CURRENT_VERSION = '1.0.0';

/**
 * 0.3.0 introduced the result shape used here (interfaces, ips, routes); 0.4.0 added CHECK and prevResult on DEL;
 * 1.0.0 dropped ips[].version. 0.1.0/0.2.0 results (ip4/ip6 objects) are not produced.
 */
export const SUPPORTED_VERSIONS: readonly string[] = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'];

export function versionResult(): { cniVersion: string; supportedVersions: string[] } {
  return { cniVersion: CURRENT_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] };
}

/** Compares dotted versions numerically: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number(x));
  const pb = b.split('.').map((x) => Number(x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function checkSupportedVersion(version: string): void {
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new CniError(
      CNI_ERR.INCOMPATIBLE_VERSION,
      `incompatible CNI versions: config is "${version}", plugin supports ${SUPPORTED_VERSIONS.map((v) => `"${v}"`).join(', ')}`,
    );
  }
}
