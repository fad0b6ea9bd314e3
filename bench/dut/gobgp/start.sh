#!/usr/bin/env bash
# DUT adapter: GoBGP (gobgpd) as iBGP route reflector / eBGP transit, no zebra; gRPC API on LISTEN_ADDR:50051
# (loopback), pprof off. Contract: start.sh LISTEN_ADDR ASN ROUTER_ID WORKDIR ADDR,ASN,ROLE...
set -euo pipefail
LISTEN=$1 ASN=$2 RID=$3 WD=$4; shift 4
conf=$WD/dut-gobgp.toml
{
  printf '[global.config]\n  as = %s\n  router-id = "%s"\n  port = 179\n  local-address-list = ["%s"]\n' "$ASN" "$RID" "$LISTEN"
  for nb in "$@"; do
    IFS=, read -r addr asn role <<<"$nb"
    printf '[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "%s"\n    peer-as = %s\n' "$addr" "$asn"
    printf '  [neighbors.transport.config]\n    local-address = "%s"\n  [neighbors.timers.config]\n    connect-retry = 2\n' "$LISTEN"
    if [ "$role" = rr-client ]; then
      printf '  [neighbors.route-reflector.config]\n    route-reflector-client = true\n    route-reflector-cluster-id = "%s"\n' "$RID"
    fi
    printf '  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "ipv4-unicast"\n'
  done
} >"$conf"
nohup gobgpd -f "$conf" -l info -p --api-hosts "$LISTEN:50051" --pprof-disable >"$WD/dut.log" 2>&1 </dev/null &
echo $!
