import { decodePacket, encodeCommand, encodeGroupConfig, NFULNL_CFG_CMD_BIND, NFULNL_CFG_CMD_UNBIND } from './nflog-codec';
import { NetlinkError } from './netlink-error';

// Captured from a real kernel (6.x): an nft rule `udp dport 9999 log prefix "gr/e/default/x/p/1" group 7 drop`, a
// socket bound to group 7 with copy range 128, one UDP datagram "hello" to 127.0.0.1:9999 (message body after the
// nlmsghdr, type 0x400 = NFULNL_MSG_PACKET).
const CAPTURED =
  '02000007080001000800030017000a0067722f652f64656661756c742f782f702f310000080005000000000108000b000000000008000e00000000002500090045000021645d40004011d86c7f0000017f000001d0ff270f000dfe2068656c6c6f000000';

describe('nfnetlink_log codec', () => {
  it('encodes bind/unbind and the copy-mode/batching config as the kernel accepted them', () => {
    // These bytes were sent to the kernel, which acknowledged them, before CAPTURED was read.
    expect(encodeCommand(7, NFULNL_CFG_CMD_BIND).toString('hex')).toBe('000000070500010001000000');
    expect(encodeCommand(7, NFULNL_CFG_CMD_UNBIND).toString('hex')).toBe('000000070500010002000000');
    expect(encodeGroupConfig(7, { copyRange: 128, qthresh: 64, timeoutCs: 10, bufferBytes: 65536 }).toString('hex')).toBe(
      '000000070a00020000000080020000000800050000000040080004000000000a0800030000010000',
    );
  });

  it('decodes a captured packet message: group, family, prefix, EtherType and the copied packet', () => {
    const p = decodePacket(Buffer.from(CAPTURED, 'hex'));
    expect(p).toMatchObject({ family: 2, group: 7, prefix: 'gr/e/default/x/p/1', hwProtocol: 0x0800 });
    expect(p.payload.toString('hex')).toBe('45000021645d40004011d86c7f0000017f000001d0ff270f000dfe2068656c6c6f');
  });

  it('rejects a message without nfgenmsg or with an attribute overrunning the message', () => {
    expect(() => decodePacket(Buffer.from('0200', 'hex'))).toThrow(NetlinkError);
    expect(() => decodePacket(Buffer.from(CAPTURED.slice(0, 60), 'hex'))).toThrow(NetlinkError);
  });
});
