// Shared fixtures of the FSM tests: a configuration, the peer's OPEN, one sample of every event, and contexts in each
// state reached by running the real transition function (never hand-built). Test-only; nothing in src imports it.
import { BgpError } from '../../packet/bgp-error';
import { CeaseSubcode, ErrorCode, HeaderSubcode, OpenSubcode, UpdateSubcode } from '../../packet/constants';
import type { BgpMessage, NotificationMessage, OpenMessage } from '../../packet/types';
import type { FsmAction } from '../actions';
import { initialContext, type FsmConfigInput, type FsmContext } from '../context';
import type { FsmEvent, FsmEventType } from '../events';
import type { FsmState } from '../states';
import { transition } from '../transition';

export const CONFIG: FsmConfigInput = {
  localAsn: 65000,
  bgpId: '10.0.0.1',
  holdTimeSeconds: 90,
  connectRetrySeconds: 5,
  capabilities: [{ kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 65000 }],
};

export function peerOpen(over: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: 65001,
    holdTime: 90,
    bgpId: '10.0.0.2',
    capabilities: [{ kind: 'four-octet-as', asn: 65001 }],
    ...over,
  };
}

export function notif(code: number, subcode: number, shutdownMessage?: string): NotificationMessage {
  return { type: 'notification', code, subcode, data: Buffer.alloc(0), ...(shutdownMessage !== undefined ? { shutdownMessage } : {}) };
}

/** One sample of every event type. */
export const EVENTS: Record<FsmEventType, FsmEvent> = {
  ManualStart: { type: 'ManualStart' },
  ManualStartPassive: { type: 'ManualStartPassive' },
  ManualStop: { type: 'ManualStop' },
  AutomaticStart: { type: 'AutomaticStart' },
  AutomaticStop: { type: 'AutomaticStop', subcode: CeaseSubcode.MaximumPrefixesReached, detail: 'prefix limit 100 reached' },
  ConnectRetryTimerExpires: { type: 'ConnectRetryTimerExpires' },
  HoldTimerExpires: { type: 'HoldTimerExpires' },
  KeepaliveTimerExpires: { type: 'KeepaliveTimerExpires' },
  IdleHoldTimerExpires: { type: 'IdleHoldTimerExpires' },
  IdleHoldResetTimerExpires: { type: 'IdleHoldResetTimerExpires' },
  SendHoldTimerExpires: { type: 'SendHoldTimerExpires' },
  TcpCrAcked: { type: 'TcpCrAcked' },
  TcpConnectionConfirmed: { type: 'TcpConnectionConfirmed' },
  TcpConnectionFails: { type: 'TcpConnectionFails', detail: 'ECONNREFUSED' },
  BGPOpen: { type: 'BGPOpen', open: peerOpen() },
  BGPHeaderErr: { type: 'BGPHeaderErr', error: new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, 'length 5000') },
  BGPOpenMsgErr: { type: 'BGPOpenMsgErr', error: new BgpError(ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, 'expected AS 65001, got 65009') },
  OpenCollisionDump: { type: 'OpenCollisionDump' },
  NotifMsgVerErr: { type: 'NotifMsgVerErr', notification: notif(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber) },
  NotifMsg: { type: 'NotifMsg', notification: notif(ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, 'maintenance') },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  UpdateMsg: { type: 'UpdateMsg' },
  UpdateMsgErr: {
    type: 'UpdateMsgErr',
    error: new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, 'attribute 2 twice'),
  },
  RouteRefreshMsg: { type: 'RouteRefreshMsg' },
};

/** Runs events from a context, failing loudly if the path does not go where the test expects. */
export function run(ctx: FsmContext, events: readonly FsmEvent[]): FsmContext {
  let c = ctx;
  for (const e of events) c = transition(c, e).next;
  return c;
}

const PATHS: Record<FsmState, readonly FsmEvent[]> = {
  Idle: [],
  Connect: [EVENTS.ManualStart],
  Active: [EVENTS.ManualStart, EVENTS.TcpConnectionFails],
  OpenSent: [EVENTS.ManualStart, EVENTS.TcpCrAcked],
  OpenConfirm: [EVENTS.ManualStart, EVENTS.TcpCrAcked, EVENTS.BGPOpen],
  Established: [EVENTS.ManualStart, EVENTS.TcpCrAcked, EVENTS.BGPOpen, EVENTS.KeepAliveMsg],
};

/** A context in `state`, reached from Idle through the usual path with the given configuration. */
export function at(state: FsmState, config: FsmConfigInput = CONFIG): FsmContext {
  const ctx = run(initialContext(config), PATHS[state]);
  if (ctx.state !== state) throw new Error(`fixture path to ${state} ended in ${ctx.state}`);
  return ctx;
}

function describeMessage(m: BgpMessage): string {
  return m.type === 'notification' ? `notification ${m.code}/${m.subcode}` : m.type;
}

/** Actions as short strings ("send notification 4/0", "start hold 90s") so tables stay readable. */
export function summarize(actions: readonly FsmAction[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'connect':
        return 'connect';
      case 'drop-connection':
        return 'drop';
      case 'send':
        return `send ${describeMessage(a.message)}`;
      case 'start-timer':
        return `start ${a.timer} ${a.ms / 1000}s`;
      case 'stop-timer':
        return `stop ${a.timer}`;
      case 'session-established':
        return 'established';
      case 'session-down':
        return 'down';
      case 'process-update':
        return 'process-update';
      case 'process-route-refresh':
        return 'process-route-refresh';
    }
  });
}

/** Deep-freezes a value so a test proves transition() never mutates its input. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
