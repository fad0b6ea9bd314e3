# A BGP peer for e2e tests whose messages are built and read with scapy's BGP layer (Debian's python3-scapy),
# so that the bytes a test sends to Gingham, and the judgement of what Gingham sends back, come from a codec that
# is not Gingham's own. Driven by JSON lines on stdin; reports JSON lines to the events file given as argv[1].
# scapy-bgp-peer.ts is its TypeScript side and documents the commands.
#
# Lengths: scapy fills in every length field. A case that needs a wrong one names it ("attrLen" on one attribute,
# "withdrawnLen" / "pathAttrLen" on the UPDATE, "len" on the header) and the built bytes get that field overwritten:
# scapy 2.5's BGPPathAttr cannot build with an explicit attr_len (it concatenates an int to bytes).
#
# It owns its sockets and threads and nothing else; it exits on "quit", when stdin closes, or when its parent dies.
import json
import os
import socket
import struct
import sys
import threading
import time

from scapy.all import Raw, raw  # noqa: E402
from scapy.contrib import bgp as B  # noqa: E402

# Sessions negotiate 4-octet AS numbers (RFC 6793), so AS_PATH is read with 4-octet ASNs.
B.bgp_module_conf.use_2_bytes_asn = False

TYPES = {1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH'}
EVENTS = open(sys.argv[1], 'a', buffering=1)
LOCK = threading.Lock()
PARENT = os.getppid()


def emit(**ev):
    with LOCK:
        EVENTS.write(json.dumps(ev) + '\n')


# ------------------------------------------------------------------ building


def as_path(spec):
    seg = B.BGPPAAS4BytesPath.ASPathSegment(segment_type=spec.get('segmentType', 2), segment_value=spec['asns'])
    return B.BGPPAAS4BytesPath(segments=[seg])


def as_path2(spec):
    seg = B.BGPPAASPath.ASPathSegment(segment_type=spec.get('segmentType', 2), segment_value=spec['asns'])
    return B.BGPPAASPath(segments=[seg])


def communities(spec):
    return Raw(b''.join(raw(B.BGPPACommunity(community=c)) for c in spec['values']))


def mp_reach(spec):
    nh = spec['nextHop']
    nlri = [B.BGPNLRI_IPv6(prefix=p) for p in spec.get('nlri', [])]
    return B.BGPPAMPReachNLRI(afi=2, safi=1, nh_addr_len=16, nh_v6_addr=nh, nlri=nlri)


def mp_unreach(spec):
    inner = B.BGPPAMPUnreachNLRI_IPv6(withdrawn_routes=[B.BGPNLRI_IPv6(prefix=p) for p in spec.get('withdrawn', [])])
    return B.BGPPAMPUnreachNLRI(afi=2, safi=1, afi_safi_specific=inner)


# name -> (type code, RFC flags, value builder)
ATTRS = {
    'origin': (1, 0x40, lambda s: B.BGPPAOrigin(origin=s['value'])),
    'as_path': (2, 0x40, as_path),
    'as_path2': (2, 0x40, as_path2),  # 2-octet ASNs, for a session without the four-octet-as capability
    'next_hop': (3, 0x40, lambda s: B.BGPPANextHop(next_hop=s['value'])),
    'med': (4, 0x80, lambda s: B.BGPPAMultiExitDisc(med=s['value'])),
    'local_pref': (5, 0x40, lambda s: B.BGPPALocalPref(local_pref=s['value'])),
    'atomic_aggregate': (6, 0x40, lambda s: B.BGPPAAtomicAggregate()),
    'aggregator': (7, 0xc0, lambda s: B.BGPPAAggregator(aggregator_asn=s['asn'], speaker_address=s['address'])),
    'communities': (8, 0xc0, communities),
    'mp_reach_ipv6': (14, 0x80, mp_reach),
    'mp_unreach_ipv6': (15, 0x80, mp_unreach),
}


def build_attr(spec):
    name = spec['name']
    if name == 'raw':
        code, flags, value = spec['type'], spec['flags'], Raw(bytes.fromhex(spec.get('hex', '')))
    else:
        code, flags, make = ATTRS[name]
        value = make(spec)
    flags = spec.get('flags', flags)
    out = bytearray(raw(B.BGPPathAttr(type_flags=flags, type_code=code, attribute=value)))
    if 'attrLen' in spec:
        if flags & 0x10:
            struct.pack_into('!H', out, 2, spec['attrLen'])
        else:
            out[2] = spec['attrLen']
    return bytes(out)


def build_update(spec):
    upd = B.BGPUpdate(
        withdrawn_routes=[B.BGPNLRI_IPv4(prefix=p) for p in spec.get('withdrawn', [])],
        path_attr=[Raw(build_attr(a)) for a in spec.get('attrs', [])],
        nlri=[B.BGPNLRI_IPv4(prefix=p) for p in spec.get('nlri', [])],
    )
    built = raw(upd)
    body = bytearray(built)
    withdrawn_len = struct.unpack_from('!H', built, 0)[0]
    if 'withdrawnLen' in spec:
        struct.pack_into('!H', body, 0, spec['withdrawnLen'])
    if 'pathAttrLen' in spec:
        struct.pack_into('!H', body, 2 + withdrawn_len, spec['pathAttrLen'])
    return header(2, bytes(body), spec)


def header(msg_type, body, spec):
    msg = bytearray(raw(B.BGPHeader(type=spec.get('type', msg_type)) / Raw(body)))
    if 'marker' in spec:
        msg[0:16] = bytes.fromhex(spec['marker'])
    if 'len' in spec:
        struct.pack_into('!H', msg, 16, spec['len'])
    return bytes(msg)


def build_open(spec):
    asn = spec['asn']
    caps = [B.BGPCapMultiprotocol(afi=afi, safi=safi) for afi, safi in spec.get('families', [[1, 1]])]
    if spec.get('fourOctetAs', True):
        caps.append(B.BGPCapFourBytesASN(asn=asn))
    if spec.get('extendedMessage', False):
        caps.append(B.BGPCapGeneric(code=6, cap_data=b''))  # RFC 8654
    params = [B.BGPOptParam(param_type=2, param_value=c) for c in caps]
    body = B.BGPOpen(my_as=asn if asn <= 0xffff else 23456, hold_time=spec.get('holdTime', 90), bgp_id=spec['routerId'], opt_params=params)
    return raw(B.BGPHeader(type=1) / body)


def build_notification(spec):
    return raw(B.BGPHeader(type=3) / B.BGPNotification(error_code=spec['code'], error_subcode=spec['subcode'], data=bytes.fromhex(spec.get('hex', ''))))


# ------------------------------------------------------------------ reading


PARSE_LOCK = threading.Lock()


def describe(frame, two_octet_as=False):
    """What a test needs to know about one received message, read with scapy."""
    with PARSE_LOCK:
        # scapy reads AS_PATH by a module-wide switch: set it for this session (no four-octet-as from us).
        B.bgp_module_conf.use_2_bytes_asn = two_octet_as
        try:
            return describe_locked(frame)
        finally:
            B.bgp_module_conf.use_2_bytes_asn = False


def describe_locked(frame):
    mtype = frame[18]
    ev = {'type': TYPES.get(mtype, str(mtype)), 'hex': frame.hex()}
    try:
        pkt = B.BGPHeader(frame)
        if mtype == 1:
            o = pkt[B.BGPOpen]
            ev.update(asn=o.my_as, holdTime=o.hold_time, bgpId=o.bgp_id)
        elif mtype == 3:
            n = pkt[B.BGPNotification]
            ev.update(code=n.error_code, subcode=n.error_subcode, data=bytes(n.data or b'').hex())
        elif mtype == 2:
            u = pkt[B.BGPUpdate]
            attrs = []
            for pa in u.path_attr:
                b = raw(pa)
                hl = 4 if pa.type_flags & 0x10 else 3
                attrs.append({'flags': int(pa.type_flags), 'type': pa.type_code, 'hex': b[hl:].hex()})
            ev.update(
                withdrawn=[w.prefix for w in u.withdrawn_routes],
                nlri=[n.prefix for n in u.nlri],
                attrs=attrs,
            )
    except Exception as e:  # a frame scapy cannot read is reported, not fatal: the test decides
        ev['parseError'] = repr(e)
    return ev


class Session:
    def __init__(self, name, sock):
        self.name = name
        self.sock = sock
        self.alive = True
        self.keepalive_every = 0
        self.two_octet_as = False
        threading.Thread(target=self.reader, daemon=True).start()
        threading.Thread(target=self.keepalives, daemon=True).start()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            emit(event='error', name=self.name, message='send: %s' % e)

    def reader(self):
        buf = b''
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b''
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 19:
                length = struct.unpack_from('!H', buf, 16)[0]
                if length < 19:
                    emit(event='error', name=self.name, message='header length %d' % length)
                    buf = b''
                    break
                if len(buf) < length:
                    break
                frame, buf = buf[:length], buf[length:]
                emit(event='message', name=self.name, **describe(frame, self.two_octet_as))
        self.alive = False
        emit(event='closed', name=self.name)

    def keepalives(self):
        last = time.monotonic()
        while self.alive:
            time.sleep(0.5)
            if self.keepalive_every and self.alive and time.monotonic() - last >= self.keepalive_every:
                last = time.monotonic()
                self.send(raw(B.BGPHeader(type=4)))

    def close(self):
        self.alive = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


SESSIONS = {}
HELD = []


def listen(cmd):
    name = cmd['name']
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((cmd['address'], cmd.get('port', 179)))
    srv.listen(4)

    def accept_loop():
        while True:
            try:
                conn, remote = srv.accept()
            except OSError:
                return
            if name not in SESSIONS:
                SESSIONS[name] = Session(name, conn)
                emit(event='accepted', name=name, remote=remote[0])
            else:
                # Later connections (the speaker reconnecting after a reset) are held open and silent, so the
                # speaker sits in OpenSent and its last error stays readable.
                HELD.append(conn)
                emit(event='held', name=name, remote=remote[0])

    threading.Thread(target=accept_loop, daemon=True).start()
    emit(event='listening', name=name, address=cmd['address'])


def handle(cmd):
    op = cmd['op']
    if op == 'listen':
        listen(cmd)
        return
    s = SESSIONS.get(cmd.get('name'))
    if s is None:
        emit(event='error', name=cmd.get('name'), message='no session %s for %s' % (cmd.get('name'), op))
        return
    if op == 'open':
        s.keepalive_every = cmd.get('keepaliveEvery', 0)
        s.two_octet_as = not cmd.get('fourOctetAs', True)
        s.send(build_open(cmd))
    elif op == 'keepalive':
        s.send(raw(B.BGPHeader(type=4)))
    elif op == 'update':
        s.send(build_update(cmd))
    elif op == 'message':
        s.send(header(cmd['msgType'], bytes.fromhex(cmd.get('hex', '')), cmd))
    elif op == 'notification':
        s.send(build_notification(cmd))
    elif op == 'close':
        s.close()
    else:
        emit(event='error', message='unknown op %s' % op)
        return
    emit(event='sent', name=s.name, op=op, seq=cmd.get('seq'))


def watch_parent():
    while os.getppid() == PARENT:
        time.sleep(1)
    os._exit(0)


def main():
    threading.Thread(target=watch_parent, daemon=True).start()
    emit(event='ready')
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
        except ValueError as e:
            emit(event='error', message='bad command: %s' % e)
            continue
        if cmd.get('op') == 'quit':
            break
        try:
            handle(cmd)
        except Exception as e:
            emit(event='error', name=cmd.get('name'), op=cmd.get('op'), seq=cmd.get('seq'), message=repr(e))
    os._exit(0)


main()
