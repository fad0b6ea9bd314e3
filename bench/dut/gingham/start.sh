#!/usr/bin/env bash
# DUT adapter: Gingham's BGP speaker (`gingham bgp run`) as iBGP route reflector / eBGP transit.
# Contract (the reference harness's README): start.sh LISTEN_ADDR ASN ROUTER_ID WORKDIR NEIGHBOR...
#   NEIGHBOR = ADDR,ASN,ROLE   ROLE = rr-client (route-reflector client, cluster id = ROUTER_ID) | ebgp (next hop self)
# Writes WORKDIR/speaker.yaml, starts node on dist/cmd/gingham.js in the background (node itself, no wrapper, so the
# printed PID is the process whose CPU and memory are measured) and prints its PID as the last line.
# Env: GINGHAM_DIST = a build of src/ (default: this checkout's dist/), GINGHAM_LOG_LEVEL (default warn),
#      GINGHAM_NODE_ARGS = extra node options (e.g. "--cpu-prof --cpu-prof-dir=WORKDIR" to profile).
set -euo pipefail
LISTEN=$1 ASN=$2 RID=$3 WD=$4; shift 4
HERE=$(cd "$(dirname "$0")" && pwd)
DIST=${GINGHAM_DIST:-$HERE/../../../dist}
BIN=$DIST/cmd/gingham.js
[ -f "$BIN" ] || { echo "gingham: $BIN is missing (npm run build, or set GINGHAM_DIST)" >&2; exit 1; }
conf=$WD/speaker.yaml
{
  echo "asNumber: $ASN"
  echo "routerId: $RID"
  echo "listen: { address: $LISTEN, port: 179 }"
  echo "statusSocket: $WD/gingham-bgp.sock"
  echo "logLevel: ${GINGHAM_LOG_LEVEL:-warn}"
  rr=0
  for nb in "$@"; do IFS=, read -r _ _ role <<<"$nb"; [ "$role" = rr-client ] && rr=1; done
  [ "$rr" = 1 ] && echo "clusterId: $RID"
  echo "peers:"
  for nb in "$@"; do
    IFS=, read -r naddr nasn role <<<"$nb"
    echo "  - address: $naddr"
    echo "    asNumber: $nasn"
    echo "    localAddress: $LISTEN"
    echo "    connectRetryTime: 2"
    echo "    families: [ipv4]"
    if [ "$role" = rr-client ]; then
      echo "    routeReflectorClient: true"
    else
      echo "    nextHopMode: self"
    fi
  done
} >"$conf"
# shellcheck disable=SC2086  # GINGHAM_NODE_ARGS is a list of node options
nohup node ${GINGHAM_NODE_ARGS:-} "$BIN" bgp run -c "$conf" >"$WD/dut.log" 2>&1 </dev/null &
echo $!
