// `gingham version`: the client version (and, later, the cluster's).
import { packageVersion } from '../lib/version';

export { packageVersion };

export function versionText(): string {
  return `Client Version:    v${packageVersion()}\nNode.js Version:   ${process.version}\n`;
}
