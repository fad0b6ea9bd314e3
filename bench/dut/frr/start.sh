#!/usr/bin/env bash
# DUT adapter: FRR bgpd without zebra (-Z) and without kernel access (-n); config, pid, sockets and log in WORKDIR,
# no vty TCP port (-P 0). Contract: start.sh LISTEN_ADDR ASN ROUTER_ID WORKDIR ADDR,ASN,ROLE...
# Logs at "critical" by default: without zebra bgpd logs two nexthop-registration errors per route, which would
# dominate its time (FRR_LOG_LEVEL=informational shows them).
set -euo pipefail
LISTEN=$1 ASN=$2 RID=$3 WD=$4; shift 4
conf=$WD/dut-frr.conf
{
  printf 'frr defaults traditional\nhostname dut\nlog file %s/dut.log %s\n!\n' "$WD" "${FRR_LOG_LEVEL:-critical}"
  printf 'router bgp %s\n bgp router-id %s\n no bgp ebgp-requires-policy\n no bgp default ipv4-unicast\n bgp cluster-id %s\n' "$ASN" "$RID" "$RID"
  for nb in "$@"; do
    IFS=, read -r addr asn role <<<"$nb"
    printf ' neighbor %s remote-as %s\n neighbor %s update-source %s\n neighbor %s timers connect 2\n' "$addr" "$asn" "$addr" "$LISTEN" "$addr"
    if [ "$role" = ebgp ]; then printf ' neighbor %s disable-connected-check\n' "$addr"; fi
  done
  printf ' !\n address-family ipv4 unicast\n'
  for nb in "$@"; do
    IFS=, read -r addr _ role <<<"$nb"
    printf '  neighbor %s activate\n' "$addr"
    if [ "$role" = rr-client ]; then printf '  neighbor %s route-reflector-client\n' "$addr"; fi
  done
  printf ' exit-address-family\n!\n'
} >"$conf"
mkdir -p "$WD/frr-vty"
nohup /usr/lib/frr/bgpd -f "$conf" -i "$WD/dut.pid" -z "$WD/zserv.api" --vty_socket "$WD/frr-vty" \
  -P 0 -l "$LISTEN" -p 179 -n -Z -S >"$WD/dut.stdout" 2>&1 </dev/null &
echo $!
