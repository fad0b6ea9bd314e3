#!/usr/bin/env bash
# DUT adapter: BIRD 2 as iBGP route reflector (ROLE rr-client) or eBGP transit (ROLE ebgp, next hop self).
# Contract: start.sh LISTEN_ADDR ASN ROUTER_ID WORKDIR ADDR,ASN,ROLE...  -> daemon in the background, its PID printed last.
# Same settings as the reference harness's adapter so that both measure the same daemon configuration.
set -euo pipefail
LISTEN=$1 ASN=$2 RID=$3 WD=$4; shift 4
conf=$WD/dut-bird2.conf
{
  printf 'log "%s/dut.log" { info, warning, error, fatal, remote, bug, auth };\n' "$WD"
  printf 'router id %s;\nprotocol device { scan time 3600; }\n' "$RID"
  k=0
  for nb in "$@"; do
    IFS=, read -r addr asn role <<<"$nb"
    k=$((k + 1))
    printf 'protocol bgp peer%d {\n  local %s port 179 as %s;\n  neighbor %s port 179 as %s;\n' "$k" "$LISTEN" "$ASN" "$addr" "$asn"
    printf '  strict bind yes; multihop;\n  connect delay time 1; connect retry time 2; error wait time 1, 10;\n'
    case $role in
      rr-client) printf '  rr client; rr cluster id %s;\n  ipv4 { import all; export all; };\n' "$RID" ;;
      *) printf '  ipv4 { import all; export all; next hop self; };\n' ;;
    esac
    printf '}\n'
  done
} >"$conf"
nohup "${BIRD2_BIN:-/usr/sbin/bird}" -f -c "$conf" -s "$WD/dut.ctl" -P "$WD/dut.pid" >"$WD/dut.stdout" 2>&1 </dev/null &
echo $!
