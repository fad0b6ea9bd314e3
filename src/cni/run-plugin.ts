// The executable's outer shell, shared by `gingham` and `gingham-ipam`: reads CNI_COMMAND and the configuration,
// answers VERSION, builds the invocation's context (cmd/ supplies the factory), runs the command, prints the result
// (ADD) or nothing (DEL, CHECK, STATUS) and returns the exit status. Every failure, whatever threw it, is printed as
// CNI error JSON on stdout with a non-zero status (SPEC.md "Error"); stderr gets one line for the runtime's log,
// never a stack trace.
import { UnavailableError } from '../datastore/errors';
import { peekVersion, parseNetConf, type NetConf } from './cni-config';
import { parseCommand, parseEnv, type CniEnv } from './cni-env';
import { CNI_ERR, CniError, errorJson, toCniError } from './cni-error';
import { renderResult, parseResult } from './cni-result';
import { CURRENT_VERSION, SUPPORTED_VERSIONS, versionResult } from './cni-version';
import type { PluginContext } from './plugin-context';
import { cmdAdd, cmdCheck, cmdDel, ipamDeps } from './plugin-gingham';
import { ipamAdd, ipamCheck, ipamDel } from './plugin-ipam';
import { describeError } from '../lib/errors';

export type PluginKind = 'gingham' | 'gingham-ipam';

export interface PluginIo {
  readonly env: NodeJS.ProcessEnv;
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Appends a line to the configuration's log_file_path (Calico: /var/log/calico/cni/cni.log); absent: no file log. */
  appendLog?(file: string, line: string): void;
}

/** One line per invocation for the node's CNI log: what was asked, and the outcome. */
export function logLine(kind: PluginKind, env: NodeJS.ProcessEnv, outcome: string, now: Date): string {
  const args = new Map((env.CNI_ARGS ?? '').split(';').map((kv) => kv.split('=') as [string, string]));
  const pod = args.get('K8S_POD_NAME') ? ` pod=${args.get('K8S_POD_NAMESPACE') ?? ''}/${args.get('K8S_POD_NAME')}` : '';
  return `${now.toISOString()} ${kind} ${env.CNI_COMMAND ?? '?'} container=${env.CNI_CONTAINERID ?? ''}${pod}: ${outcome}\n`;
}

export type ClosableContext = PluginContext & { close(): Promise<void> };
export type ContextFactory = (conf: NetConf, env: CniEnv) => Promise<ClosableContext>;

async function runCommand(kind: PluginKind, ctx: PluginContext): Promise<Record<string, unknown> | undefined> {
  const { conf, env } = ctx;
  switch (env.command) {
    case 'ADD':
      if (kind === 'gingham') return renderResult(await cmdAdd(ctx), conf.cniVersion);
      return renderResult(await ipamAdd(conf, env, ipamDeps(ctx)), conf.cniVersion, { ipamOnly: true });
    case 'DEL':
      if (kind === 'gingham') await cmdDel(ctx);
      else await ipamDel(conf, env, ipamDeps(ctx));
      return undefined;
    case 'CHECK':
      if (kind === 'gingham') await cmdCheck(ctx);
      else {
        if (!conf.prevResult) throw new CniError(CNI_ERR.INVALID_CONFIG, 'network configuration: prevResult is required for CHECK');
        await ipamCheck(conf, env, ipamDeps(ctx), parseResult(conf.prevResult, 'prevResult').ips.map((i) => i.address));
      }
      return undefined;
    case 'STATUS':
      // Ready when the datastore answers (CNI 1.1 STATUS; code 50 "plugin not available" otherwise).
      try {
        await ctx.backend.ready();
      } catch (err) {
        throw new CniError(CNI_ERR.PLUGIN_NOT_AVAILABLE, 'datastore not reachable', describeError(err), { cause: err });
      }
      return undefined;
    case 'VERSION':
      return versionResult();
  }
}

/** Runs one invocation; resolves with the exit status. Never rejects. */
export async function runPlugin(kind: PluginKind, io: PluginIo, makeContext: ContextFactory): Promise<number> {
  let version = CURRENT_VERSION;
  let ctx: ClosableContext | undefined;
  let logFile: string | undefined;
  const log = (outcome: string): void => {
    if (logFile === undefined || !io.appendLog) return;
    try {
      io.appendLog(logFile, logLine(kind, io.env, outcome, new Date()));
    } catch {
      // A full or read-only log disk must not fail pod networking.
    }
  };
  try {
    const command = parseCommand(io.env);
    if (command === 'VERSION') {
      io.stdout(JSON.stringify(versionResult()) + '\n');
      return 0;
    }
    const text = await io.readStdin().catch((err: unknown) => {
      throw new CniError(CNI_ERR.IO, 'cannot read the network configuration from stdin', describeError(err), { cause: err });
    });
    const peeked = peekVersion(text);
    if (peeked !== undefined && SUPPORTED_VERSIONS.includes(peeked)) version = peeked;
    const conf = parseNetConf(text);
    logFile = conf.logFilePath;
    const env = parseEnv(io.env);
    ctx = await makeContext(conf, env);
    const out = await runCommand(kind, ctx);
    if (out !== undefined) io.stdout(JSON.stringify(out) + '\n');
    const ips = Array.isArray(out?.ips) ? ` ${(out.ips as Array<{ address?: string }>).map((i) => i.address).join(',')}` : '';
    log(`ok${ips}`);
    return 0;
  } catch (err) {
    // A datastore that cannot be reached is worth a retry by the runtime (code 11), whichever step hit it.
    const e = err instanceof UnavailableError ? new CniError(CNI_ERR.TRY_AGAIN_LATER, 'datastore unavailable', err.message, { cause: err }) : toCniError(err);
    io.stdout(JSON.stringify(errorJson(e, version)) + '\n');
    io.stderr(`${kind}: ${e.message}\n`);
    log(`error ${e.cniCode}: ${e.message}`);
    return 1;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
