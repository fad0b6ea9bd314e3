# Probes run inside one client pod's network namespace, as agnhost `connect --timeout` does for the upstream
# network-policy e2e tests: TCP/SCTP = the handshake completes; UDP = a request datagram gets a reply. All targets in
# parallel (one thread each), so a whole matrix row costs one timeout.
# usage: prober.py PROTO PORT TIMEOUT_S IP... ; prints one JSON object {ip: true|false}.
import json, socket, sys, threading

proto, port, timeout, ips = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
res = {}

def probe(ip):
    ok = False
    if proto == 'udp':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132 if proto == 'sctp' else 0)
    s.settimeout(timeout)
    try:
        s.connect((ip, port))
        if proto == 'udp':
            s.send(b'hostname')
            ok = len(s.recv(512)) > 0
        else:
            ok = True
    except OSError:
        ok = False
    finally:
        s.close()
    res[ip] = ok

threads = [threading.Thread(target=probe, args=(ip,)) for ip in ips]
for t in threads:
    t.start()
for t in threads:
    t.join(timeout + 2)
print(json.dumps(res))
