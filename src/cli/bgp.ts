// `gingham bgp run|status|routes`: the BGP speaker on its own, and its status read over the status socket.
import fs from 'node:fs';
import type { Command } from 'commander';
import { parseSpeakerFile, DEFAULT_STATUS_SOCKET, type SpeakerFile } from '../bgp/config/speaker-config';
import type { Speaker } from '../bgp/speaker';
import type { StatusReply, RoutesReply } from '../bgp/status-service';
import type { CliDeps } from './deps';
import { boxTable } from './table';
import { describeError } from '../lib/errors';

/** "2h3m", "45s": how long ago `since` was, for the SINCE column. */
export function formatSince(since: number, now: number): string {
  let s = Math.max(0, Math.floor((now - since) / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export function renderStatus(reply: StatusReply): string {
  const head = `BGP speaker AS ${reply.asn}, router ID ${reply.routerId}\n`;
  if (reply.peers.length === 0) return head + 'No peers configured.\n';
  const rows = reply.peers.map((p) => [
    p.address,
    p.asn,
    p.state,
    formatSince(p.since, reply.now),
    p.info,
    p.prefixesReceived,
    p.prefixesSent,
  ]);
  return head + boxTable(['PEER', 'AS', 'STATE', 'SINCE', 'INFO', 'RECEIVED', 'SENT'], rows);
}

export function renderRoutes(reply: RoutesReply): string {
  if (reply.routes.length === 0) return 'No routes received.\n';
  const rows = reply.routes.map((r) => [
    r.best === true ? '*' : '',
    r.prefix,
    r.nextHop ?? '',
    r.peer,
    r.asPath,
    r.origin ?? '',
    r.localPref ?? '',
    r.med ?? '',
    [...r.communities, ...r.largeCommunities].join(' '),
    r.best === true ? (r.decidedBy ?? '') : r.stale === true ? 'stale' : '',
  ]);
  return boxTable(['BEST', 'PREFIX', 'NEXT HOP', 'PEER', 'AS PATH', 'ORIGIN', 'LOCAL PREF', 'MED', 'COMMUNITIES', 'DECIDED BY'], rows);
}

/** Makes the speaker's peers and originated routes those of the file (desired state). */
function applyPeersAndRoutes(speaker: Speaker, file: SpeakerFile): void {
  const wanted = new Set(file.peers.map((p) => p.address));
  for (const addr of speaker.peerAddresses()) if (!wanted.has(addr)) speaker.removePeer(addr, 'peer removed from configuration');
  for (const p of file.peers) speaker.setPeer(p);
  speaker.setLocalRoutes(file.originate);
}

/** The configuration example `gingham bgp run --help` prints (the README's, parsed by a test). */
export const SPEAKER_EXAMPLE = `
Example speaker.yaml:
  asNumber: 65000
  routerId: 192.0.2.1
  listen: { address: 192.0.2.1, port: 179 }
  statusSocket: /var/run/gingham/bgp.sock     # the default
  gracefulRestart: { restartTime: 120 }       # RFC 4724, peers opt in below
  peers:
    - address: 192.0.2.2
      asNumber: 65001                         # eBGP
      holdTime: 90                            # 0, or 3 and more
      families: [ipv4, ipv6]
      gracefulRestart: true
    - address: 192.0.2.3
      asNumber: 65000                         # iBGP
      passive: true                           # wait for the peer to connect
  originate:
    - prefix: 10.10.0.0/24
      communities: ["65000:100"]

SIGHUP re-reads the file, SIGTERM closes every session and exits. While it runs:
  gingham bgp status [--socket PATH]     gingham bgp routes [--peer ADDRESS]
`;

export function registerBgp(program: Command, deps: CliDeps): void {
  const bgp = program.command('bgp').description('the BGP speaker on its own');

  bgp
    .command('run')
    .description('run a BGP speaker from a YAML file until SIGTERM')
    .requiredOption('-c, --config <file>', 'speaker configuration (YAML)')
    .option('--log-format <format>', 'text or json', 'text')
    .option('--log-level <levels>', 'e.g. info or info,bgp=debug')
    .addHelpText('after', SPEAKER_EXAMPLE)
    .action(async (opts: { config: string; logFormat: string; logLevel?: string }) => {
      let text: string;
      try {
        text = fs.readFileSync(opts.config, 'utf8');
      } catch (err) {
        throw new Error(`cannot read ${opts.config}: ${describeError(err)}`);
      }
      const file = parseSpeakerFile(text, opts.config);
      if (opts.logFormat !== 'text' && opts.logFormat !== 'json') throw new Error('--log-format: must be text or json');
      const logger = deps.logger({ format: opts.logFormat, levels: opts.logLevel ?? file.logLevel ?? 'info' });
      // The speaker and the gRPC status service are loaded by the commands that use them (program.ts).
      const [{ Speaker }, { statusHandlers }, { serveStatus }] = await Promise.all([import('../bgp/speaker'), import('../bgp/speaker-status'), import('../bgp/status-service')]);
      const speaker = new Speaker(file.speaker, { clock: deps.clock, transport: deps.transport, listener: deps.listener, logger });
      await speaker.start();
      applyPeersAndRoutes(speaker, file);
      const status = await serveStatus(file.statusSocket, statusHandlers(speaker, deps.clock));
      logger.info(`status API on ${status.socketPath}`);
      for (;;) {
        const sig = await deps.waitForSignal(['SIGTERM', 'SIGINT', 'SIGHUP']);
        if (sig !== 'SIGHUP') break;
        // SIGHUP: re-read the file; peers and routes change in place, sessions whose OPEN is unaffected stay up.
        try {
          const next = parseSpeakerFile(fs.readFileSync(opts.config, 'utf8'), opts.config);
          if (next.speaker.asn !== file.speaker.asn || next.speaker.routerId !== file.speaker.routerId || next.statusSocket !== file.statusSocket) {
            logger.error('reload: asNumber, routerId and statusSocket need a restart; configuration not applied');
            continue;
          }
          applyPeersAndRoutes(speaker, next);
          logger.info('reloaded configuration', { peers: next.peers.length, routes: next.originate.length });
        } catch (err) {
          logger.error(`reload failed, keeping the running configuration: ${describeError(err)}`);
        }
      }
      logger.info('shutting down');
      await speaker.close('speaker shutting down');
      await status.close();
    });

  bgp
    .command('status')
    .description("print the peers of a running speaker")
    .option('--socket <path>', 'status socket of the speaker', DEFAULT_STATUS_SOCKET)
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { socket: string; output: string }) => {
      const client = new (await import('../bgp/status-service')).StatusClient(opts.socket);
      try {
        const reply = await client.getStatus();
        deps.stdout(opts.output === 'json' ? JSON.stringify(reply, null, 2) + '\n' : renderStatus(reply));
      } finally {
        client.close();
      }
    });

  bgp
    .command('routes')
    .description('print the routes a running speaker received (its Adj-RIBs-In), the best path of each prefix marked with the decision step that chose it')
    .option('--socket <path>', 'status socket of the speaker', DEFAULT_STATUS_SOCKET)
    .option('--peer <address>', 'only routes from this peer (address or name)')
    .option('--family <family>', 'ipv4 or ipv6')
    .option('--best', 'only the best path of each prefix (the Loc-RIB, local routes included)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { socket: string; peer?: string; family?: string; best?: boolean; output: string }) => {
      if (opts.family !== undefined && opts.family !== 'ipv4' && opts.family !== 'ipv6') throw new Error('--family: must be ipv4 or ipv6');
      const client = new (await import('../bgp/status-service')).StatusClient(opts.socket);
      try {
        const reply = await client.listRoutes({ peer: opts.peer, family: opts.family as 'ipv4' | 'ipv6' | undefined, best: opts.best === true });
        deps.stdout(opts.output === 'json' ? JSON.stringify(reply, null, 2) + '\n' : renderRoutes(reply));
      } finally {
        client.close();
      }
    });
}
