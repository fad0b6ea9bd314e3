// Whole-session scenarios: FSMs driven by a tiny test-only executor on a FakeClock, the way the session shell will
// drive them (execute actions in order, arm timers, feed expiries back as events). Two executors can be joined by a
// fake link that turns one side's sends into the other side's message events. No sockets, no sleeps.
import { FakeClock } from '../../lib/fake-clock';
import type { TimerHandle } from '../../lib/clock';
import type { BgpMessage, NotificationMessage } from '../packet/types';
import { timerExpiryEvent, type FsmAction, type TimerName } from './actions';
import { resolveCollision } from './collision';
import { initialContext, type FsmConfigInput, type FsmContext } from './context';
import type { FsmEvent } from './events';
import { CONFIG, EVENTS, peerOpen } from './testing/fixtures';
import { transition } from './transition';

/** Bound on events processed in one pump: a loop between two FSMs would fail the test instead of hanging it. */
const MAX_EVENTS_PER_PUMP = 10_000;

class Executor {
  ctx: FsmContext;
  readonly inbox: FsmEvent[] = [];
  readonly sent: Array<{ at: number; message: BgpMessage }> = [];
  readonly connects: number[] = [];
  readonly reasons: Array<{ at: number; state: string; reason: string }> = [];
  readonly established: Array<{ at: number; hold: number; keepalive: number }> = [];
  readonly downs: Array<{ at: number; reason: string }> = [];
  readonly timers = new Map<TimerName, TimerHandle>();
  readonly timerMs = new Map<TimerName, number>();
  updates = 0;
  /** Called for connect, drop-connection and send; the link uses it. */
  onWire: ((a: FsmAction) => void) | undefined;
  /** Whether a write "makes progress" (RFC 9687): when true every send re-arms the sendHold timer. */
  writesProgress = true;

  constructor(
    readonly name: string,
    readonly clock: FakeClock,
    config: FsmConfigInput,
    private readonly pumpAll: () => void = () => this.pump(),
  ) {
    this.ctx = initialContext(config);
  }

  get state(): string {
    return this.ctx.state;
  }

  /** Queue an event and process everything queued (on this executor or, through the link, on the peer). */
  deliver(event: FsmEvent): void {
    this.inbox.push(event);
    this.pumpAll();
  }

  /** Processes this executor's queue; returns whether it did anything. */
  step(): boolean {
    const event = this.inbox.shift();
    if (event === undefined) return false;
    const r = transition(this.ctx, event);
    this.ctx = r.next;
    this.reasons.push({ at: this.clock.now(), state: r.next.state, reason: r.reason });
    for (const a of r.actions) this.execute(a);
    return true;
  }

  pump(): void {
    for (let i = 0; i < MAX_EVENTS_PER_PUMP; i++) if (!this.step()) return;
    throw new Error(`${this.name}: more than ${MAX_EVENTS_PER_PUMP} events in one pump`);
  }

  private arm(timer: TimerName, ms: number): void {
    this.timers.get(timer)?.cancel();
    this.timerMs.set(timer, ms);
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.deliver(timerExpiryEvent(timer));
    }, ms);
    this.timers.set(timer, handle);
  }

  private execute(a: FsmAction): void {
    switch (a.type) {
      case 'start-timer':
        this.arm(a.timer, a.ms);
        return;
      case 'stop-timer':
        this.timers.get(a.timer)?.cancel();
        this.timers.delete(a.timer);
        return;
      case 'send': {
        this.sent.push({ at: this.clock.now(), message: a.message });
        const sendHold = this.timerMs.get('sendHold');
        if (this.writesProgress && this.timers.has('sendHold') && sendHold !== undefined) this.arm('sendHold', sendHold);
        this.onWire?.(a);
        return;
      }
      case 'connect':
        this.connects.push(this.clock.now());
        this.onWire?.(a);
        return;
      case 'drop-connection':
        this.onWire?.(a);
        return;
      case 'session-established':
        this.established.push({ at: this.clock.now(), hold: a.holdTimeSeconds, keepalive: a.keepaliveSeconds });
        return;
      case 'session-down':
        this.downs.push({ at: this.clock.now(), reason: a.reason });
        return;
      case 'process-update':
      case 'process-route-refresh':
        this.updates++;
        return;
    }
  }

  sentNotifications(): NotificationMessage[] {
    return this.sent.flatMap((s) => (s.message.type === 'notification' ? [s.message] : []));
  }

  sentKeepalives(): number {
    return this.sent.filter((s) => s.message.type === 'keepalive').length;
  }
}

/** One fake TCP path between two speakers, at most one connection at a time. */
class Link {
  readonly a: Executor;
  readonly b: Executor;
  connected = false;
  /** false: packets vanish silently (cable cut); neither side learns of it except through its hold timer. */
  up = true;

  constructor(clock: FakeClock, aConfig: FsmConfigInput, bConfig: FsmConfigInput) {
    const pumpAll = (): void => this.pump();
    this.a = new Executor('a', clock, aConfig, pumpAll);
    this.b = new Executor('b', clock, bConfig, pumpAll);
    this.a.onWire = (act) => this.wire(this.a, this.b, act);
    this.b.onWire = (act) => this.wire(this.b, this.a, act);
  }

  pump(): void {
    for (let i = 0; i < MAX_EVENTS_PER_PUMP; i++) if (!this.a.step() && !this.b.step()) return;
    throw new Error(`link: more than ${MAX_EVENTS_PER_PUMP} events in one pump`);
  }

  /** What the wire does with one side's action: the other side's events. */
  wire(from: Executor, to: Executor, act: FsmAction): void {
    if (act.type === 'connect') {
      // The remote accepts while it is not Idle (RFC 4271 §8.2.2: Idle refuses all incoming connections).
      if (this.up && !this.connected && to.state !== 'Idle') {
        this.connected = true;
        from.inbox.push({ type: 'TcpCrAcked' });
        to.inbox.push({ type: 'TcpConnectionConfirmed' });
      } else {
        from.inbox.push({ type: 'TcpConnectionFails', detail: 'ECONNREFUSED' });
      }
      return;
    }
    if (act.type === 'drop-connection') {
      if (!this.connected) return;
      this.connected = false;
      if (this.up) to.inbox.push({ type: 'TcpConnectionFails', detail: 'connection reset' });
      return;
    }
    if (act.type !== 'send' || !this.connected || !this.up) return;
    const m = act.message;
    switch (m.type) {
      case 'open':
        to.inbox.push({ type: 'BGPOpen', open: m });
        return;
      case 'keepalive':
        to.inbox.push({ type: 'KeepAliveMsg' });
        return;
      case 'notification':
        to.inbox.push({ type: 'NotifMsg', notification: m });
        return;
      case 'update':
        to.inbox.push({ type: 'UpdateMsg' });
        return;
      case 'route-refresh':
        to.inbox.push({ type: 'RouteRefreshMsg' });
        return;
    }
  }
}

const A_CONFIG: FsmConfigInput = { ...CONFIG };
/** The mesh peer with the higher address: passive, as Calico's BIRD configuration makes it. */
const B_CONFIG: FsmConfigInput = {
  localAsn: 65001,
  bgpId: '10.0.0.2',
  holdTimeSeconds: 90,
  connectRetrySeconds: 5,
  passive: true,
  capabilities: [{ kind: 'four-octet-as', asn: 65001 }],
};

function establishedPair(aConfig = A_CONFIG, bConfig = B_CONFIG): { clock: FakeClock; link: Link } {
  const clock = new FakeClock(0);
  const link = new Link(clock, aConfig, bConfig);
  link.b.deliver({ type: 'ManualStart' });
  link.a.deliver({ type: 'ManualStart' });
  expect([link.a.state, link.b.state]).toEqual(['Established', 'Established']);
  return { clock, link };
}

describe('scenario: connect, OPEN, KEEPALIVE, Established', () => {
  it('an active and a passive speaker establish at once and keep the session up with keepalives', () => {
    const { clock, link } = establishedPair();
    expect(link.a.connects).toEqual([0]);
    expect(link.b.connects).toEqual([]);
    expect(link.a.established).toEqual([{ at: 0, hold: 90, keepalive: 30 }]);
    expect(link.b.established).toEqual([{ at: 0, hold: 90, keepalive: 30 }]);
    expect(link.a.reasons.map((r) => r.state)).toEqual(['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(link.b.reasons.map((r) => r.state)).toEqual(['Active', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(link.a.reasons[2]?.reason).toBe('received OPEN from AS 65001 id 10.0.0.2 (hold time 90s, keepalive 30s): KEEPALIVE sent');

    clock.advance(10 * 60 * 1000);
    expect([link.a.state, link.b.state]).toEqual(['Established', 'Established']);
    // One KEEPALIVE on entering OpenConfirm, then one every 30 s.
    expect(link.a.sentKeepalives()).toBe(1 + 20);
    expect(link.b.sentKeepalives()).toBe(1 + 20);
    expect(link.a.downs).toEqual([]);
  });

  it('the lower hold time wins on both sides', () => {
    const { link } = establishedPair(A_CONFIG, { ...B_CONFIG, holdTimeSeconds: 9 });
    expect(link.a.established[0]).toEqual({ at: 0, hold: 9, keepalive: 3 });
    expect(link.b.established[0]).toEqual({ at: 0, hold: 9, keepalive: 3 });
  });
});

describe('scenario: hold timer expiry', () => {
  it('a silent peer is dropped after the hold time with NOTIFICATION 4/0, then the session comes back after the idle hold', () => {
    const { clock, link } = establishedPair();
    clock.advance(1000);
    link.up = false; // cable cut: nothing arrives, nobody is told
    // The last KEEPALIVE a heard arrived at t=0 (b's next one, due at 30 s, is lost), so its hold timer ends at 90 s.
    clock.advance(88_999);
    expect(link.a.state).toBe('Established');
    clock.advance(1);
    expect([link.a.state, link.b.state]).toEqual(['Idle', 'Idle']);
    expect(link.a.sentNotifications().map((n) => [n.code, n.subcode])).toEqual([[4, 0]]);
    expect(link.a.downs).toEqual([{ at: 90_000, reason: 'hold timer expired (90s): sent Hold Timer Expired' }]);
    expect(link.a.ctx.lastError?.reason).toBe('hold timer expired (90s): sent Hold Timer Expired');
    expect(link.a.reasons.at(-1)?.reason).toBe('hold timer expired (90s): sent Hold Timer Expired; automatic restart in 5s');

    link.up = true;
    link.connected = false;
    clock.advance(4999);
    expect(link.a.state).toBe('Idle');
    clock.advance(1);
    // Both restart at 95 s. a's idle hold fires first, so its first attempt finds b still Idle and is refused; the
    // next attempt, one ConnectRetryTimer later, succeeds.
    expect(link.a.connects).toEqual([0, 95_000]);
    expect([link.a.state, link.b.state]).toEqual(['Active', 'Active']);
    clock.advance(5_000);
    expect(link.a.connects).toEqual([0, 95_000, 96_000]);
    expect([link.a.state, link.b.state]).toEqual(['Established', 'Established']);
    expect(link.a.ctx.establishedTransitions).toBe(2);
    expect(link.a.ctx.connectRetryCounter).toBe(1);
  });

  it('KEEPALIVEs that stop one way only: the side that hears nothing expires, the other learns by NOTIFICATION', () => {
    const { clock, link } = establishedPair();
    // b's keepalives stop (its sends vanish) while a's still arrive.
    link.b.onWire = (act) => {
      if (act.type === 'send' && act.message.type === 'keepalive') return;
      link.wire(link.b, link.a, act);
    };
    clock.advance(90_000);
    expect(link.a.state).toBe('Idle');
    expect(link.b.state).toBe('Idle');
    expect(link.b.reasons.some((r) => r.reason.startsWith('NOTIFICATION received: Hold Timer Expired'))).toBe(true);
    // b was told, so it sent no NOTIFICATION of its own back.
    expect(link.b.sentNotifications()).toEqual([]);
  });
});

describe('scenario: manual stop with a shutdown message', () => {
  it('sends Cease / Administrative Shutdown with the RFC 9003 text; the stopped side stays down and holds no timers', () => {
    const { clock, link } = establishedPair();
    link.a.deliver({ type: 'ManualStop', shutdownMessage: 'maintenance' });
    expect(link.a.state).toBe('Idle');
    const [n] = link.a.sentNotifications();
    expect(n?.code).toBe(6);
    expect(n?.subcode).toBe(2);
    expect(n?.data).toEqual(Buffer.concat([Buffer.from([11]), Buffer.from('maintenance')]));
    expect(link.b.reasons.find((r) => r.reason.startsWith('NOTIFICATION'))?.reason).toBe(
      'NOTIFICATION received: Cease / Administrative Shutdown: maintenance; automatic restart in 5s',
    );
    expect(link.a.downs).toHaveLength(1);
    expect(link.b.downs).toHaveLength(1);
    expect(link.a.timers.size).toBe(0);

    // b (passive) goes back to listening after its idle hold; a, stopped by hand, never reconnects.
    clock.advance(60 * 60 * 1000);
    expect(link.a.state).toBe('Idle');
    expect(link.a.connects).toEqual([0]);
    expect(link.b.state).toBe('Active');
    expect(link.b.connects).toEqual([]);

    // A manual start brings it back at once.
    link.a.deliver({ type: 'ManualStart' });
    expect([link.a.state, link.b.state]).toEqual(['Established', 'Established']);
  });
});

describe('scenario: passive peer', () => {
  it('never connects, however long it waits, and accepts the peer when it comes', () => {
    const clock = new FakeClock(0);
    const link = new Link(clock, B_CONFIG, { ...A_CONFIG, bgpId: '10.0.0.3' });
    link.a.deliver({ type: 'ManualStart' });
    expect(link.a.state).toBe('Active');
    clock.advance(24 * 60 * 60 * 1000);
    expect(link.a.connects).toEqual([]);
    expect(link.a.state).toBe('Active');
    expect(clock.pending()).toBe(0);
    link.b.deliver({ type: 'ManualStart' });
    expect([link.a.state, link.b.state]).toEqual(['Established', 'Established']);
    expect(link.a.connects).toEqual([]);
  });
});

describe('scenario: back-off', () => {
  it('connect retries double up to the cap and start over after a successful connection', () => {
    const clock = new FakeClock(0);
    const link = new Link(clock, A_CONFIG, B_CONFIG);
    link.a.deliver({ type: 'ManualStart' }); // b is not running: every connect is refused
    clock.advance(130_000);
    // A quick first retry (1 s), then 10, 20, then the 30 s cap.
    expect(link.a.connects).toEqual([0, 1_000, 11_000, 31_000, 61_000, 91_000, 121_000]);
    expect(link.a.state).toBe('Active');

    link.b.deliver({ type: 'ManualStart' }); // at 130 s; a's next attempt is due at 151 s
    clock.advance(30_000);
    expect(link.a.connects.at(-1)).toBe(151_000);
    expect([link.a.state, link.b.state]).toEqual(['Established', 'Established']);
    expect(link.a.ctx.connectAttempts).toBe(0);

    // b stops at 160 s; a restarts after its 5 s idle hold and retries from the base interval again.
    link.b.deliver({ type: 'ManualStop' });
    expect(link.a.state).toBe('Idle');
    clock.advance(5_000 + 5_000 + 10_000);
    expect(link.a.connects.slice(-3)).toEqual([165_000, 166_000, 176_000]);
  });

  it('the idle hold doubles per consecutive error up to the cap, and a stable session forgets it', () => {
    const clock = new FakeClock(0);
    // b restarts at once after errors so that a's damping alone decides when the session comes back.
    const link = new Link(clock, A_CONFIG, { ...B_CONFIG, idleHoldInitialSeconds: 0, idleHoldMaxSeconds: 0 });
    link.b.deliver({ type: 'ManualStart' });
    link.a.deliver({ type: 'ManualStart' });
    const bad = EVENTS.UpdateMsgErr;
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      expect(link.a.state).toBe('Established');
      link.a.deliver(bad); // a malformed UPDATE from b: a sends 3/1 and resets
      expect(link.a.state).toBe('Idle');
      const down = clock.now();
      clock.advance(1); // let b's zero-delay restart run
      for (let s = 0; s < 60 && link.a.state !== 'Established'; s++) clock.advance(1000);
      delays.push((link.a.connects.at(-1) ?? 0) - down);
    }
    expect(delays).toEqual([5_000, 10_000, 20_000, 30_000, 30_000]);
    expect(link.a.sentNotifications().map((n) => `${n.code}/${n.subcode}`)).toEqual(Array(5).fill('3/1'));
    expect(link.a.ctx.connectRetryCounter).toBe(5);

    // 300 s of stable session: the back-off is forgotten.
    clock.advance(300_000);
    expect(link.a.ctx.idleHoldSeconds).toBe(5);
    expect(link.a.ctx.connectRetryCounter).toBe(0);
    link.a.deliver(bad);
    const down = clock.now();
    clock.advance(1);
    for (let s = 0; s < 60 && link.a.state !== 'Established'; s++) clock.advance(1000);
    expect((link.a.connects.at(-1) ?? 0) - down).toBe(5_000);
  });
});

describe('scenario: send hold timer (RFC 9687)', () => {
  it('a peer that keeps sending KEEPALIVEs but stops reading is dropped after the send hold time', () => {
    const clock = new FakeClock(0);
    const a = new Executor('a', clock, A_CONFIG);
    a.deliver({ type: 'ManualStart' });
    a.deliver({ type: 'TcpCrAcked' });
    a.deliver({ type: 'BGPOpen', open: peerOpen() });
    a.deliver({ type: 'KeepAliveMsg' });
    expect(a.state).toBe('Established');
    a.writesProgress = false; // the peer's receive window is closed from now on
    // The peer's KEEPALIVEs keep arriving, so the hold timer never fires.
    for (let i = 0; i < 15; i++) {
      clock.advance(30_000);
      a.deliver({ type: 'KeepAliveMsg' });
    }
    clock.advance(479_999 - clock.now());
    expect(a.state).toBe('Established');
    clock.advance(1);
    expect(a.state).toBe('Idle');
    expect(a.sentNotifications().map((n) => n.code)).toEqual([8]);
    expect(a.downs[0]?.reason).toBe('send hold timer expired (480s without write progress): sent Send Hold Timer Expired');
  });
});

describe('scenario: connection collision (RFC 4271 §6.8)', () => {
  it('both speakers keep the connection initiated by the higher BGP Identifier, and the loser gets Cease / 7', () => {
    // Each speaker runs one FSM per connection: "lr" is the connection L initiated, "rl" the one R initiated.
    const clock = new FakeClock(0);
    const L = { bgpId: '10.0.0.1', asn: 65000 };
    const R = { bgpId: '10.0.0.2', asn: 65001 };
    const lCfg = A_CONFIG;
    const rCfg = { ...B_CONFIG, passive: false };
    const lOut = new Executor('L lr', clock, lCfg);
    const lIn = new Executor('L rl', clock, lCfg);
    const rOut = new Executor('R rl', clock, rCfg);
    const rIn = new Executor('R lr', clock, rCfg);
    const lOpen = peerOpen({ myAs: 65000, bgpId: L.bgpId, capabilities: [{ kind: 'four-octet-as', asn: 65000 }] });
    const rOpen = peerOpen({ myAs: 65001, bgpId: R.bgpId, capabilities: [{ kind: 'four-octet-as', asn: 65001 }] });

    // Both connect at the same moment; each also accepts the other's connection.
    lOut.deliver({ type: 'ManualStart' });
    rOut.deliver({ type: 'ManualStart' });
    lIn.deliver({ type: 'ManualStartPassive' });
    rIn.deliver({ type: 'ManualStartPassive' });
    lOut.deliver({ type: 'TcpCrAcked' });
    rIn.deliver({ type: 'TcpConnectionConfirmed' });
    rOut.deliver({ type: 'TcpCrAcked' });
    lIn.deliver({ type: 'TcpConnectionConfirmed' });
    // The OPENs cross: every connection reaches OpenConfirm.
    lOut.deliver({ type: 'BGPOpen', open: rOpen });
    lIn.deliver({ type: 'BGPOpen', open: rOpen });
    rOut.deliver({ type: 'BGPOpen', open: lOpen });
    rIn.deliver({ type: 'BGPOpen', open: lOpen });
    for (const e of [lOut, lIn, rOut, rIn]) expect(e.state).toBe('OpenConfirm');

    // Each side resolves on its own and dumps the loser.
    const byL = resolveCollision(L, R);
    const byR = resolveCollision(R, L);
    expect(byL).toBe('keep-remotely-initiated');
    expect(byR).toBe('keep-locally-initiated');
    (byL === 'keep-locally-initiated' ? lIn : lOut).deliver({ type: 'OpenCollisionDump' });
    (byR === 'keep-locally-initiated' ? rIn : rOut).deliver({ type: 'OpenCollisionDump' });
    // Both dumped the same TCP connection (the one L initiated): lOut and rIn.
    expect([lOut.state, rIn.state]).toEqual(['Idle', 'Idle']);
    expect(lOut.sentNotifications().map((n) => `${n.code}/${n.subcode}`)).toEqual(['6/7']);
    expect(rIn.sentNotifications().map((n) => `${n.code}/${n.subcode}`)).toEqual(['6/7']);
    expect(lOut.timers.size).toBe(0);
    expect(rIn.timers.size).toBe(0);

    // The survivor completes.
    lIn.deliver({ type: 'KeepAliveMsg' });
    rOut.deliver({ type: 'KeepAliveMsg' });
    expect([lIn.state, rOut.state]).toEqual(['Established', 'Established']);
    clock.advance(3600_000);
    expect([lOut.state, rIn.state]).toEqual(['Idle', 'Idle']);
    expect(lOut.connects).toEqual([0]);
  });
});
