// One BGP neighbour: runs the pure RFC 4271 FSM (bgp/fsm) over real connections and timers, resolves connection
// collisions (RFC 4271 §6.8), and hands what the session learns (up, down, UPDATEs, End-of-RIB, ROUTE-REFRESH) to a
// PeerRouting (the speaker, which owns the RIBs) and sends the UPDATEs it is given. This is the only place where FSM
// actions meet sockets and timers; it keeps no routes itself.
//
// Complicating factors:
// - A peer can have two connections at once (ours and theirs) until one OPEN settles the collision; each connection
//   has its own FSM context (a "slot"). The primary slot owns the connect/retry loop; an inbound connection that
//   arrives while the primary already has a connection gets a secondary slot, and whichever loses the collision is
//   closed with Cease / Connection Collision Resolution.
// - Connect attempts and their results are asynchronous: a result that arrives after the slot moved on is discarded
//   (generation counter).
// - A connection from the peer's address may never send an OPEN (half-open, a scanner, a dead peer's retry): it never
//   wins a collision (fsm/collision.ts chooseOnOpen), gives up after the short open-wait, is replaced by the next
//   connection from the peer, and is closed with the session. An inbound slot logs under its own name.
import type { Clock, TimerHandle } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { describeError } from '../../lib/errors';
import { chooseOnOpen, initialContext, timerExpiryEvent, transition } from '../fsm';
import type { FsmAction, FsmContext, FsmEvent, FsmState, TimerName } from '../fsm';
import { validateOpen } from '../packet/open';
import { codecOptionsFor, negotiate, type GracefulRestartCapability, type Negotiated } from '../packet/capabilities';
import { isEndOfRib } from '../packet/update';
import { BgpError } from '../packet/bgp-error';
import { CeaseSubcode, ErrorCode, RouteRefreshSubtype, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from '../packet/constants';
import { describeNotification } from '../packet/notification';
import type { BgpMessage, CodecOptions, DecodedUpdate, Family, OpenMessage } from '../packet/types';
import { Connection, type Direction } from './connection';
import type { BgpSocket, Transport } from './transport';
import { afiFamily, localCapabilities, type SessionConfig } from './peer-config';

/** What an Established session agreed, for the RIB to build and encode exports. */
export interface SessionInfo {
  /** Our address on the connection (the default NEXT_HOP). */
  readonly localAddress: string;
  /** The peer's BGP Identifier from its OPEN. */
  readonly peerRouterId: string;
  /** Families both sides negotiated and the peer is configured for. */
  readonly families: ReadonlySet<Family>;
  readonly codec: CodecOptions;
  readonly maxMessageLength: number;
  /** The peer's graceful restart capability (RFC 4724 §3), when it sent one. */
  readonly peerGracefulRestart?: GracefulRestartCapability;
  /** Both sides sent the enhanced route refresh capability (RFC 7313): answers to ROUTE-REFRESH are bracketed. */
  readonly enhancedRouteRefresh?: boolean;
}

/** How an Established session ended. */
export interface SessionEnd {
  /** A NOTIFICATION was sent or received: a normal end, not a restart (RFC 4724 §4.2). */
  readonly notification: boolean;
}

export interface RouteCounts {
  readonly received: Readonly<Record<Family, number>>;
  readonly sent: Readonly<Record<Family, number>>;
}

/** The routing side of a session: the speaker implements it over its RIBs. */
export interface PeerRouting {
  /** The session reached Established; the routing side sends the initial table (and End-of-RIB) with sendUpdates. */
  sessionUp(peer: Peer, info: SessionInfo): void;
  /** The Established session ended (RFC 4271 §9.1.4: its routes are withdrawn, or kept stale per RFC 4724). */
  sessionDown(peer: Peer, end: SessionEnd): void;
  /** An UPDATE to apply (handling undefined, 'attribute-discard' or 'treat-as-withdraw'; End-of-RIB excluded). */
  update(peer: Peer, decoded: DecodedUpdate): void;
  endOfRib(peer: Peer, family: Family): void;
  /** RFC 2918 §4: the peer asks for our Adj-RIB-Out of the family again. */
  refreshRequested(peer: Peer, family: Family): void;
  /** RFC 7313 §4: the peer begins (BoRR) or ends (EoRR) re-sending its routes of the family. */
  refreshMarker(peer: Peer, family: Family, marker: 'begin' | 'end'): void;
  counts(peer: Peer): RouteCounts;
}

export interface PeerStatus {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly localAsn: number;
  readonly state: FsmState;
  /** Clock time of the last state change. */
  readonly since: number;
  /** Last error or reason the session went down, as `node status` shows it ("Received: Hold Timer Expired"). */
  readonly lastError?: string;
  /** State plus last error, in the INFO column's style. */
  readonly info: string;
  readonly peerRouterId?: string;
  readonly negotiatedHoldTime?: number;
  readonly families: readonly Family[];
  readonly prefixesReceived: Readonly<Record<Family, number>>;
  readonly prefixesSent: Readonly<Record<Family, number>>;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly updatesIn: number;
  readonly updatesOut: number;
  readonly establishedTransitions: number;
}

export interface PeerDeps {
  readonly clock: Clock;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly routing: PeerRouting;
  /** RFC 4724 R bit for our next OPEN: the speaker restarted and defers its routes. */
  readonly restarting?: () => boolean;
  /** Called after every state change (status, metrics, readiness). */
  readonly onStateChange?: (peer: Peer, from: FsmState, to: FsmState, reason: string) => void;
}

interface Slot {
  ctx: FsmContext;
  /** The session's logger for the primary slot; an inbound connection's own until it carries the session. */
  log: Logger;
  /** The remote end, "address:port", once connected. */
  remote?: string;
  conn?: Connection;
  direction?: Direction;
  readonly timers: Map<TimerName, TimerHandle>;
  /** Bumped whenever a pending connect attempt must be ignored. */
  generation: number;
  /** An outbound connect is in flight. */
  connecting?: boolean;
  negotiated?: Negotiated;
  /** RFC 9687 send hold time once Established (0 = off); re-armed whenever a write makes progress. */
  sendHoldMs?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;

export class Peer {
  private primary: Slot;
  private secondary: Slot | undefined;
  private since: number;
  private lastError: string | undefined;
  private establishedCount = 0;
  /** A NOTIFICATION was sent or received on the Established session (so its end is not a graceful restart). */
  private notified = false;
  /** The slot whose session is (or just was) Established. */
  private sessionSlot: Slot | undefined;
  private running = false;
  /** An inbound connection does not cut a restart delay short before this (RFC 4486 maximum-prefix restart). */
  private restartNotBefore = 0;
  /** The Established session is being replaced by a restarted peer's new connection (RFC 4724 §4.2). */
  private replacing = false;
  private readonly log: Logger;
  private readonly counters = { messagesIn: 0, messagesOut: 0, updatesIn: 0, updatesOut: 0 };

  constructor(
    private cfg: SessionConfig,
    private readonly deps: PeerDeps,
  ) {
    this.log = deps.logger.child(`peer.${cfg.name}`);
    this.primary = this.newSlot(this.log);
    this.since = deps.clock.now();
  }

  get config(): SessionConfig {
    return this.cfg;
  }

  get state(): FsmState {
    return this.established?.ctx.state ?? this.bestSlot().ctx.state;
  }

  /** The Established session's agreement, or undefined. */
  session(): SessionInfo | undefined {
    const slot = this.established;
    if (slot?.conn === undefined) return undefined;
    return this.sessionInfo(slot, slot.conn);
  }

  private sessionInfo(slot: Slot, conn: Connection): SessionInfo {
    const codec = conn.codecOptions;
    return {
      localAddress: conn.localAddress,
      peerRouterId: slot.ctx.peerOpen?.bgpId ?? '0.0.0.0',
      families: this.negotiatedFamilies(slot),
      codec,
      maxMessageLength: codec.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH,
      ...(slot.negotiated?.gracefulRestart !== undefined ? { peerGracefulRestart: slot.negotiated.gracefulRestart } : {}),
      ...(slot.negotiated?.enhancedRouteRefresh === true ? { enhancedRouteRefresh: true } : {}),
    };
  }

  private capabilities(): ReturnType<typeof localCapabilities> {
    return localCapabilities(this.cfg, this.deps.restarting?.() ?? false);
  }

  /** Queues whole UPDATE messages on the Established session (dropped when there is none). */
  sendUpdates(messages: readonly Buffer[]): void {
    if (messages.length === 0) return;
    this.established?.conn?.sendUpdates(messages);
  }

  /** A slot with a fresh FSM; `extra` for an extra inbound connection, whose FSM never restarts by itself. */
  private newSlot(log: Logger, extra = false): Slot {
    return {
      log,
      ctx: initialContext({
        localAsn: this.cfg.localAsn,
        bgpId: this.cfg.routerId,
        holdTimeSeconds: this.cfg.holdTime,
        keepaliveSeconds: this.cfg.keepaliveTime,
        connectRetrySeconds: this.cfg.connectRetryTime,
        ...(this.cfg.openWaitTime !== undefined ? { openWaitSeconds: this.cfg.openWaitTime } : {}),
        passive: this.cfg.passive,
        ...(extra ? { autoRestart: false } : {}),
        capabilities: this.capabilities(),
      }),
      timers: new Map(),
      generation: 0,
    };
  }

  private get established(): Slot | undefined {
    if (this.primary.ctx.state === 'Established') return this.primary;
    if (this.secondary?.ctx.state === 'Established') return this.secondary;
    return undefined;
  }

  private bestSlot(): Slot {
    const order: FsmState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];
    if (this.secondary && order.indexOf(this.secondary.ctx.state) > order.indexOf(this.primary.ctx.state)) return this.secondary;
    return this.primary;
  }

  // ------------------------------------------------------------------ control

  start(): void {
    if (this.running) return;
    this.running = true;
    this.dispatch(this.primary, { type: this.cfg.passive ? 'ManualStartPassive' : 'ManualStart' });
  }

  /** Stops the session with Cease / Administrative Shutdown and an RFC 9003 message; the peer stays stopped. */
  stop(message = 'peer removed'): void {
    this.running = false;
    for (const slot of this.slots()) this.dispatch(slot, { type: 'ManualStop', shutdownMessage: message });
    if (this.secondary) this.releaseSlot(this.secondary);
  }

  /**
   * Ends the session for a graceful restart of this speaker (RFC 4724 §4): the TCP connection is closed with no
   * NOTIFICATION, so a peer that negotiated graceful restart keeps our routes as stale until we are back, instead of
   * flushing them as a Cease would make it. Only for a speaker that is about to exit.
   */
  abandon(): void {
    this.running = false;
    for (const slot of this.slots()) this.releaseSlot(slot);
    this.secondary = undefined;
  }

  /** Hands an accepted TCP connection from this peer's address to the FSM. */
  acceptInbound(socket: BgpSocket): void {
    const from = remoteText(socket);
    if (!this.running) {
      this.refuse(socket, from, 'the peer is stopped');
      return;
    }
    const p = this.primary;
    if (p.ctx.state === 'Idle' && p.ctx.config.passive && p.ctx.autoRestartPending && this.deps.clock.now() >= this.restartNotBefore) {
      // A passive side never connects, so refusing while its damping delay runs only makes the peer back off (up to
      // 30 s) and the session waits for the peer's next try: the peer's connection starts the session now.
      this.log.info(`connection from ${from} during the restart delay: starting now (passive, the peer connects)`);
      this.dispatch(p, { type: 'AutomaticStart' });
    }
    if (p.conn === undefined && !p.connecting && (p.ctx.state === 'Connect' || p.ctx.state === 'Active')) {
      this.attach(p, socket, 'inbound', from);
      this.dispatch(p, { type: 'TcpConnectionConfirmed' });
      return;
    }
    if (p.ctx.state === 'Idle') {
      this.refuse(socket, from, 'the session is Idle, waiting out its restart delay after an error');
      return;
    }
    const s = this.secondary;
    if (s !== undefined) {
      if (s.direction !== 'inbound' || s.ctx.state !== 'OpenSent') {
        this.refuse(socket, from, `the peer already has two connections (${p.ctx.state}, ${s.ctx.state})`);
        return;
      }
      // The inbound connection has not sent its OPEN: a newer one from the peer replaces it (as BIRD, which closes
      // an incoming connection still in OpenSent when the peer comes back).
      s.log.info(`closing the connection from ${s.remote ?? '?'}: no OPEN received, replaced by a new connection from ${from}`);
      this.releaseSlot(s);
      this.secondary = undefined;
    }
    // Our own connection exists or is being opened, or a session is Established: keep both until an OPEN tells
    // which one survives (RFC 4271 §6.8, fsm/collision.ts chooseOnOpen).
    const slot = this.newSlot(this.log.child(`inbound-${socket.remotePort ?? 0}`), true);
    this.secondary = slot;
    this.dispatch(slot, { type: 'ManualStartPassive' });
    this.attach(slot, socket, 'inbound', from);
    this.dispatch(slot, { type: 'TcpConnectionConfirmed' });
  }

  private refuse(socket: BgpSocket, from: string, reason: string): void {
    this.log.info(`refused connection from ${from}: ${reason}`);
    socket.destroy();
  }

  /** Sends ROUTE-REFRESH for every negotiated family (RFC 2918), e.g. after import policy changed; false if it cannot. */
  requestRefresh(): boolean {
    const slot = this.established;
    if (slot?.conn === undefined || slot.negotiated === undefined || !slot.negotiated.routeRefresh) return false;
    for (const f of slot.negotiated.families) {
      slot.conn.sendControl({ type: 'route-refresh', afi: f.afi, safi: f.safi, subtype: 0 });
    }
    return true;
  }

  /**
   * RFC 4486 §4: the peer sent more prefixes than allowed: close with Cease / Maximum Number of Prefixes Reached
   * and start again after `restartDelaySeconds`. Runs after the current message is processed (not inside it).
   */
  closeForMaxPrefixes(limit: number, restartDelaySeconds: number): void {
    const slot = this.established;
    if (slot === undefined) return;
    this.deps.clock.setTimeout(() => {
      if (slot !== this.established) return;
      this.log.warn(`more than ${limit} prefixes received: closing the session, restart in ${restartDelaySeconds}s`);
      this.restartNotBefore = this.deps.clock.now() + restartDelaySeconds * 1000;
      // The FSM's damped restart waits the configured delay, so the restart it announces is the one that happens.
      slot.ctx = { ...slot.ctx, idleHoldSeconds: restartDelaySeconds };
      this.dispatch(slot, { type: 'AutomaticStop', subcode: CeaseSubcode.MaximumPrefixesReached, detail: `more than ${limit} prefixes received` });
    }, 0);
  }

  status(): PeerStatus {
    const slot = this.established ?? this.bestSlot();
    const state = slot.ctx.state;
    const stats = slot.conn?.stats;
    const counts = this.deps.routing.counts(this);
    return {
      name: this.cfg.name,
      address: this.cfg.address,
      port: this.cfg.port,
      asn: this.cfg.asn,
      localAsn: this.cfg.localAsn,
      state,
      since: this.since,
      lastError: this.lastError,
      info: state === 'Established' || this.lastError === undefined ? state : `${state} ${this.lastError}`,
      peerRouterId: slot.ctx.peerOpen?.bgpId,
      negotiatedHoldTime: slot.ctx.negotiatedHoldSeconds,
      families: [...this.cfg.families],
      prefixesReceived: counts.received,
      prefixesSent: counts.sent,
      messagesIn: this.counters.messagesIn + (stats?.messagesIn ?? 0),
      messagesOut: this.counters.messagesOut + (stats?.messagesOut ?? 0),
      updatesIn: this.counters.updatesIn + (stats?.updatesIn ?? 0),
      updatesOut: this.counters.updatesOut + (stats?.updatesOut ?? 0),
      establishedTransitions: this.establishedCount,
    };
  }

  private slots(): Slot[] {
    return this.secondary ? [this.primary, this.secondary] : [this.primary];
  }

  // ------------------------------------------------------------------ FSM shell

  private dispatch(slot: Slot, event: FsmEvent): void {
    const from = slot.ctx.state;
    const { next, actions, reason } = transition(slot.ctx, event);
    slot.ctx = next;
    if (from !== next.state) {
      slot.log.info(`${from} -> ${next.state}: ${reason}`);
      if (slot === this.primary || next.state === 'Established' || slot === this.established) {
        this.since = this.deps.clock.now();
      }
    } else {
      slot.log.debug(`${from}: ${reason}`);
    }
    for (const action of actions) this.execute(slot, action);
    if (from !== next.state) {
      this.afterStateChange(slot, from, next.state, reason);
      this.deps.onStateChange?.(this, from, next.state, reason);
    }
  }

  private afterStateChange(slot: Slot, from: FsmState, to: FsmState, _reason: string): void {
    if (to !== 'Idle') return;
    // The next OPEN of this slot carries the capabilities as they are now (the graceful restart R bit clears once
    // the speaker has finished restarting).
    slot.ctx = { ...slot.ctx, config: { ...slot.ctx.config, capabilities: this.capabilities() } };
    if (slot === this.secondary) {
      this.releaseSlot(slot);
      this.secondary = undefined;
      return;
    }
    if (slot !== this.primary || this.secondary === undefined) return;
    if (from === 'Established' && !this.replacing) {
      // The session went down: so does every connection of the peer. Promoting the other one would hand the session
      // to a connection that has not sent an OPEN (a half-open one would hold the peer's slot; issue 11).
      const other = this.secondary;
      other.log.info(`closing the connection from ${other.remote ?? '?'} (${other.ctx.state}): the session went down`);
      this.releaseSlot(other);
      this.secondary = undefined;
      return;
    }
    // The primary lost (collision, error, or replaced by a restarted peer) while the other connection lives on.
    this.promoteSecondary();
  }

  /** The secondary slot carries on as the primary (the old primary is released). */
  private promoteSecondary(): void {
    const next = this.secondary;
    if (next === undefined) return;
    const old = this.primary.ctx;
    this.releaseSlot(this.primary);
    next.log = this.log;
    // It now carries the peer's session: it restarts after errors, and the damping state and ConnectRetryCounter are
    // the peer's, not a fresh connection's, so what the log and status report is what is used.
    next.ctx = {
      ...next.ctx,
      config: { ...next.ctx.config, autoRestart: true },
      connectRetryCounter: Math.max(next.ctx.connectRetryCounter, old.connectRetryCounter),
      idleHoldSeconds: Math.max(next.ctx.idleHoldSeconds, old.idleHoldSeconds),
    };
    this.primary = next;
    this.secondary = undefined;
  }

  private releaseSlot(slot: Slot): void {
    for (const t of slot.timers.values()) t.cancel();
    slot.timers.clear();
    slot.generation++;
    slot.connecting = false;
    if (slot.conn !== undefined) {
      slot.conn.drop();
      slot.conn = undefined;
    }
  }

  private execute(slot: Slot, action: FsmAction): void {
    switch (action.type) {
      case 'connect':
        this.connect(slot);
        return;
      case 'drop-connection':
        slot.generation++;
        slot.connecting = false;
        if (slot.conn !== undefined) {
          this.foldStats(slot.conn);
          slot.conn.drop();
          slot.conn = undefined;
        }
        return;
      case 'send':
        this.send(slot, action.message);
        return;
      case 'start-timer': {
        slot.timers.get(action.timer)?.cancel();
        const timer = action.timer;
        slot.timers.set(
          timer,
          this.deps.clock.setTimeout(() => {
            slot.timers.delete(timer);
            this.onTimer(slot, timer);
          }, action.ms),
        );
        return;
      }
      case 'stop-timer':
        slot.timers.get(action.timer)?.cancel();
        slot.timers.delete(action.timer);
        return;
      case 'session-established':
        this.onEstablished(slot, action.sendHoldSeconds);
        return;
      case 'session-down':
        this.onSessionDown(slot);
        return;
      case 'process-update':
        if (action.update !== undefined) this.processUpdate(slot, action.update);
        return;
      case 'process-route-refresh': {
        if (slot !== this.established) return;
        const m = action.message;
        const fams = this.negotiatedFamilies(slot);
        const asked = m === undefined ? undefined : afiFamily(m.afi, m.safi);
        for (const f of fams) {
          if (asked !== undefined && asked !== f) continue;
          if (m?.subtype === RouteRefreshSubtype.BeginningOfRouteRefresh) this.deps.routing.refreshMarker(this, f, 'begin');
          else if (m?.subtype === RouteRefreshSubtype.EndOfRouteRefresh) this.deps.routing.refreshMarker(this, f, 'end');
          else this.deps.routing.refreshRequested(this, f);
        }
        return;
      }
    }
  }

  private onTimer(slot: Slot, timer: TimerName): void {
    // The idle-hold restart belongs to the primary slot only, and only while the peer is configured to run.
    if (timer === 'idleHold' && (!this.running || slot !== this.primary)) return;
    this.dispatch(slot, timerExpiryEvent(timer));
  }

  private send(slot: Slot, msg: BgpMessage): void {
    const conn = slot.conn;
    if (conn === undefined) return;
    if (msg.type === 'notification') {
      if (slot === this.sessionSlot) this.notified = true;
      if (slot !== this.secondary) this.lastError = `BGP Error: ${describeNotification(msg)}`;
      this.foldStats(conn);
      conn.notifyAndClose(msg);
      slot.conn = undefined;
      return;
    }
    conn.sendControl(msg);
  }

  private foldStats(conn: Connection): void {
    this.counters.messagesIn += conn.stats.messagesIn;
    this.counters.messagesOut += conn.stats.messagesOut;
    this.counters.updatesIn += conn.stats.updatesIn;
    this.counters.updatesOut += conn.stats.updatesOut;
    conn.stats.messagesIn = conn.stats.messagesOut = conn.stats.updatesIn = conn.stats.updatesOut = 0;
  }

  private connect(slot: Slot): void {
    const generation = ++slot.generation;
    slot.connecting = true;
    const { address, port, localAddress } = this.cfg;
    this.deps.transport.connect({ host: address, port, localAddress, timeoutMs: CONNECT_TIMEOUT_MS }).then(
      (socket) => {
        if (slot.generation === generation) slot.connecting = false;
        if (slot.generation !== generation || slot.conn !== undefined || !this.isCurrent(slot)) {
          socket.destroy();
          return;
        }
        this.attach(slot, socket, 'outbound');
        this.dispatch(slot, { type: 'TcpCrAcked' });
      },
      (err: unknown) => {
        if (slot.generation !== generation || !this.isCurrent(slot)) return;
        slot.connecting = false;
        const detail = socketErrorText(err);
        this.lastError = `Socket: ${detail}`;
        this.dispatch(slot, { type: 'TcpConnectionFails', detail });
      },
    );
  }

  private isCurrent(slot: Slot): boolean {
    return slot === this.primary || slot === this.secondary;
  }

  private attach(slot: Slot, socket: BgpSocket, direction: Direction, remote = remoteText(socket)): void {
    slot.direction = direction;
    slot.remote = remote;
    const conn: Connection = new Connection(
      socket,
      direction,
      {
        message: (msg, update) => {
          if (slot.conn === conn) this.onMessage(slot, msg, update);
        },
        protocolError: (err) => {
          if (slot.conn === conn) this.onProtocolError(slot, err);
        },
        writeProgress: () => {
          if (slot.conn !== conn || !slot.sendHoldMs) return;
          this.execute(slot, { type: 'start-timer', timer: 'sendHold', ms: slot.sendHoldMs });
        },
        closed: (reason) => {
          if (slot.conn !== conn) return;
          this.foldStats(conn);
          slot.conn = undefined;
          if (slot === this.secondary && slot.ctx.state === 'OpenSent') {
            // An extra inbound connection exists only for its connection: it goes, and its slot with it (the RFC's
            // OpenSent -> Active is for the peer's one FSM, which keeps listening; this one would hold the slot).
            slot.log.info(`OpenSent -> Idle: the connection from ${slot.remote ?? '?'} closed before its OPEN (${reason}): released`);
            this.releaseSlot(slot);
            this.secondary = undefined;
            return;
          }
          if (slot !== this.secondary && (this.lastError === undefined || slot.ctx.state === 'Established')) this.lastError = `Socket: ${reason}`;
          this.dispatch(slot, { type: 'TcpConnectionFails', detail: reason });
        },
      },
      this.deps.clock,
    );
    slot.conn = conn;
  }

  // ------------------------------------------------------------------ messages in

  private onMessage(slot: Slot, msg: BgpMessage, update: DecodedUpdate | undefined): void {
    switch (msg.type) {
      case 'open':
        this.onOpen(slot, msg);
        return;
      case 'keepalive':
        this.dispatch(slot, { type: 'KeepAliveMsg' });
        return;
      case 'update':
        this.dispatch(slot, { type: 'UpdateMsg', update: update ?? { message: msg, errors: [] } });
        return;
      case 'notification':
        if (slot === this.sessionSlot) this.notified = true;
        this.lastError = `Received: ${describeNotification(msg)}`;
        this.dispatch(slot, { type: 'NotifMsg', notification: msg });
        return;
      case 'route-refresh':
        this.dispatch(slot, { type: 'RouteRefreshMsg', message: msg });
        return;
    }
  }

  private onProtocolError(slot: Slot, err: BgpError): void {
    this.log.warn(`protocol error: ${err.message}`);
    if (err.errorCode === ErrorCode.MessageHeader) this.dispatch(slot, { type: 'BGPHeaderErr', error: err });
    else if (err.errorCode === ErrorCode.OpenMessage) this.dispatch(slot, { type: 'BGPOpenMsgErr', error: err });
    else this.dispatch(slot, { type: 'UpdateMsgErr', error: err });
  }

  private onOpen(slot: Slot, open: OpenMessage): void {
    const error = validateOpen(open, { asn: this.cfg.localAsn, bgpId: this.cfg.routerId }, { asn: this.cfg.asn });
    if (error !== undefined) {
      this.onProtocolError(slot, error);
      return;
    }
    // RFC 4271 §6.8: now that this connection's peer BGP Identifier is known, look for the other connection.
    const other = slot === this.primary ? this.secondary : this.primary;
    const choice = chooseOnOpen({
      local: { bgpId: this.cfg.routerId, asn: this.cfg.localAsn },
      remote: { bgpId: open.bgpId, asn: this.cfg.asn },
      direction: slot.direction ?? 'inbound',
      ...(other !== undefined ? { other: { state: other.ctx.state, connected: other.conn !== undefined, ...(other.direction !== undefined ? { direction: other.direction } : {}) } } : {}),
      // Helper rules (RFC 4724 §4.2) apply when both sides advertised graceful restart.
      otherGracefulRestart: this.cfg.gracefulRestart !== undefined && other?.negotiated?.gracefulRestart !== undefined,
    });
    switch (choice.action) {
      case 'proceed':
        if (other !== undefined && other.ctx.state !== 'Idle') slot.log.debug(choice.reason);
        break;
      case 'stop-other':
        // Our outbound attempt has not connected yet: it is simply stopped and this connection carries on (as BIRD).
        if (other !== undefined) {
          this.releaseSlot(other);
          if (other === this.primary) this.promoteSecondary();
          else this.secondary = undefined;
        }
        break;
      case 'dump-this':
        this.log.info(`rejected the connection from ${slot.remote ?? '?'}: ${choice.reason}`);
        this.dispatch(slot, { type: 'OpenCollisionDump' });
        return;
      case 'dump-other':
        this.log.info(choice.reason);
        if (other !== undefined) this.dispatch(other, { type: 'OpenCollisionDump' });
        break;
      case 'restart-other':
        if (other === undefined) break;
        this.log.info(`new connection from ${slot.remote ?? '?'} with an OPEN: ${choice.reason}; closing the old session, its routes kept stale`);
        this.replacing = true;
        try {
          this.dispatch(other, { type: 'TcpConnectionFails', detail: 'replaced by the restarted peer' });
        } finally {
          this.replacing = false;
        }
        break;
    }
    slot.negotiated = negotiate(slot.ctx.config.capabilities, open);
    this.dispatch(slot, { type: 'BGPOpen', open });
    if (slot.conn !== undefined && slot.negotiated !== undefined && (slot.ctx.state === 'OpenConfirm' || slot.ctx.state === 'Established')) {
      // We advertise no ADD-PATH, so the options are the same in both directions.
      slot.conn.setCodecOptions(codecOptionsFor(slot.negotiated, 'receive', this.cfg.asn === this.cfg.localAsn));
    }
  }

  private processUpdate(slot: Slot, decoded: DecodedUpdate): void {
    if (slot !== this.established) return;
    const msg = decoded.message;
    const handling = decoded.handling;
    if (handling === 'treat-as-withdraw') {
      this.log.warn(`UPDATE treated as withdraw (RFC 7606): ${decoded.errors.map((e) => e.message).join('; ')}`);
      this.deps.routing.update(this, decoded);
      return;
    }
    if (handling === 'afisafi-disable') {
      // RFC 7606 §2 "AFI/SAFI disable": we do not support disabling one family of a live session, so the RFC's
      // fallback applies: reset the session (RFC 4760 §7).
      const err = decoded.errors[0] ?? new BgpError(ErrorCode.UpdateMessage, 1, 'AFI/SAFI disable');
      this.dispatch(slot, { type: 'UpdateMsgErr', error: err.withHandling('session-reset') });
      return;
    }
    if (handling === 'attribute-discard') {
      this.log.info(`attributes discarded (RFC 7606): ${decoded.errors.map((e) => e.message).join('; ')}`);
    }
    const eor = isEndOfRib(msg);
    if (eor !== undefined) {
      this.log.debug(`End-of-RIB for ${eor}`);
      this.deps.routing.endOfRib(this, eor);
      return;
    }
    this.deps.routing.update(this, decoded);
  }

  // ------------------------------------------------------------------ session up / down, routes out

  private onEstablished(slot: Slot, sendHoldSeconds: number): void {
    slot.sendHoldMs = sendHoldSeconds * 1000;
    this.establishedCount++;
    this.lastError = undefined;
    const other = slot === this.primary ? this.secondary : this.primary;
    if (other !== undefined) {
      // A connection whose OPEN has not arrived never wins (fsm/collision.ts): the session is here now.
      other.log.info(`closing the connection${other.remote !== undefined ? ` from ${other.remote}` : ''} (${other.ctx.state}): the session is Established on another connection`);
      if (slot === this.secondary) this.promoteSecondary();
      else {
        this.releaseSlot(other);
        this.secondary = undefined;
      }
    }
    this.since = this.deps.clock.now();
    this.notified = false;
    this.sessionSlot = slot;
    if (slot.conn !== undefined) this.deps.routing.sessionUp(this, this.sessionInfo(slot, slot.conn));
  }

  private onSessionDown(_slot: Slot): void {
    // RFC 4271 §9.1.4 / §8: routes learned over the session are gone with it (the routing side withdraws them).
    this.sessionSlot = undefined;
    this.deps.routing.sessionDown(this, { notification: this.notified });
  }

  private negotiatedFamilies(slot: Slot): Set<Family> {
    const set = new Set<Family>();
    for (const f of slot.negotiated?.families ?? []) {
      const family = afiFamily(f.afi, f.safi);
      if (family !== undefined && this.cfg.families.includes(family)) set.add(family);
    }
    return set;
  }

  /** Keeps the session, applies a new configuration that does not affect the OPEN (sessionNeedsReset is false). */
  updateConfig(cfg: SessionConfig): void {
    this.cfg = cfg;
  }
}

/** "address:port" of a socket's remote end, for logs. */
function remoteText(socket: BgpSocket): string {
  const addr = socket.remoteAddress ?? '?';
  return `${addr.includes(':') ? `[${addr}]` : addr}:${socket.remotePort ?? 0}`;
}

/** A connect error as text that keeps its errno name (ECONNREFUSED, ETIMEDOUT) even when the message lacks it. */
export function socketErrorText(err: unknown): string {
  const text = describeError(err);
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
