// Graceful Restart capability (code 64, RFC 4724 §3, N bit from RFC 8538 §2): restart flags and a 12-bit restart
// time, then per family whether forwarding state was preserved across the restart.
import { CapabilityCode } from './constants';
import { malformedCapability, type CapabilityCodec } from './cap-codec';
import { BgpEncodeError } from './header';

/** Restart State (R): the sender has restarted. RFC 4724 §3. */
const FLAG_RESTART = 0x8000;
/** Graceful Notification (N): the sender supports RFC 8538. */
const FLAG_NOTIFICATION = 0x4000;
const TIME_MASK = 0x0fff;
/** Forwarding State (F) in a family's flags octet. */
const FLAG_FORWARDING = 0x80;

export const MAX_RESTART_TIME = TIME_MASK;

export const gracefulRestartCodec: CapabilityCodec<'graceful-restart'> = {
  kind: 'graceful-restart',
  decode(code, value) {
    if (value.length < 2 || (value.length - 2) % 4 !== 0) {
      throw malformedCapability(code, value, `graceful restart value must be 2 + 4n octets, got ${value.length}`);
    }
    const head = value.readUInt16BE(0);
    const families: Array<{ afi: number; safi: number; forwardingPreserved: boolean }> = [];
    for (let at = 2; at < value.length; at += 4) {
      families.push({
        afi: value.readUInt16BE(at),
        safi: value.readUInt8(at + 2),
        // The other 7 flag bits are reserved: ignored on receipt (RFC 4724 §3).
        forwardingPreserved: (value.readUInt8(at + 3) & FLAG_FORWARDING) !== 0,
      });
    }
    return {
      kind: 'graceful-restart',
      restarting: (head & FLAG_RESTART) !== 0,
      notification: (head & FLAG_NOTIFICATION) !== 0,
      restartTime: head & TIME_MASK,
      families,
    };
  },
  encode(cap) {
    if (!Number.isInteger(cap.restartTime) || cap.restartTime < 0 || cap.restartTime > TIME_MASK) {
      throw new BgpEncodeError('BGP_ENCODE_INVALID', `graceful restart time ${cap.restartTime} does not fit 12 bits`);
    }
    const out = Buffer.alloc(2 + 4 * cap.families.length);
    const head = (cap.restarting ? FLAG_RESTART : 0) | (cap.notification ? FLAG_NOTIFICATION : 0) | cap.restartTime;
    out.writeUInt16BE(head, 0);
    cap.families.forEach((f, i) => {
      out.writeUInt16BE(f.afi, 2 + 4 * i);
      out.writeUInt8(f.safi, 4 + 4 * i);
      out.writeUInt8(f.forwardingPreserved ? FLAG_FORWARDING : 0, 5 + 4 * i);
    });
    return out;
  },
  code: () => CapabilityCode.GracefulRestart,
};
