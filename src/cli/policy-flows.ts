// `gingham policy flows [--follow] [-n N] [--file PATH]`: the denied-flow log of this node (JSON lines; README,
// "Denied-flow logs"), its last lines, and with --follow every new line until interrupted. The file is the one the
// node agent reports (status API), else the default place.
import path from 'node:path';
import type { Command } from 'commander';
import { FELIX_DEFAULTS, FLOW_LOG_FILE_NAME } from '../api/kind-felix-configuration';
import { ENV, PATHS } from '../api/well-known';
import type { CliDeps } from './deps';
import { FileFollower } from './file-follow';
import { fetchPolicyStats } from './policy-stats';

export function registerPolicyFlows(policy: Command, deps: CliDeps): void {
  policy
    .command('flows')
    .description("the denied-flow log of this node's agent (JSON lines); --follow prints new denials as they are logged")
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('-n, --lines <n>', 'start with the last N lines', '10')
    .option('--file <path>', 'the log file (default: the one the node agent writes)')
    .option('--status-socket <path>', 'status API socket', process.env[ENV.nodeSocket] ?? PATHS.nodeSocket)
    .action(async (opts: { follow?: boolean; lines: string; file?: string; statusSocket: string }) => {
      let file = opts.file;
      if (file === undefined) {
        const reply = await fetchPolicyStats(opts.statusSocket).catch(() => undefined);
        if (reply && !reply.flowLog.enabled) deps.stderr('The denied-flow log is off (FelixConfiguration flowLogsFileEnabled); showing what an earlier run wrote.\n');
        file = reply?.flowLog.file ?? path.join(FELIX_DEFAULTS.flowLogsFileDirectory, FLOW_LOG_FILE_NAME);
      }
      const follower = new FileFollower(file, (lines) => deps.stdout(lines.join('\n') + '\n'), { clock: deps.clock, lastLines: Math.max(0, Number(opts.lines) || 0) });
      if (!opts.follow) {
        await follower.poll();
        return;
      }
      follower.follow();
      await deps.waitForSignal(['SIGINT', 'SIGTERM']);
      follower.stop();
    });
}
