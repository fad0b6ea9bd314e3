#!/usr/bin/env bash
# The one set-up command for a fresh Debian machine (run as root): installs the routing daemons, etcd and the
# kernel tools that the tests and the lab use, keeps the packages from starting their own daemons, installs the
# npm dependencies, builds, and puts `gingham` (and `kubectl-gingham`) on the PATH. Safe to run twice.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/setup.sh: run as root (sudo scripts/setup.sh)" >&2
  exit 1
fi

PACKAGES=(
  bird2 frr gobgpd exabgp            # BGP peers for interop tests and benchmarks
  etcd-server etcd-client            # the etcdv3 datastore (tests start their own etcd on loopback)
  iproute2 iptables nftables ipset   # network namespaces, routes, NAT, ipsets (bench:policy)
  tcpdump tshark                     # packet captures in e2e tests
  python3-scapy                      # crafted BGP messages
  containernetworking-plugins        # the reference host-local IPAM plugin
  procps psmisc                      # pgrep / fuser used by the test harnesses
  iputils-ping                       # real packets across the lab and dataplane tests
  curl                               # HTTP from lab pods (gingham lab exec POD -- curl) and agent health checks
  openssl                            # throwaway CAs for the TLS tests (API server fixture, etcd with client certs)
  debootstrap umoci                  # npm run image: the Debian root filesystem and the OCI image (no Docker engine)
  runc                               # the image test runs the image as a container runtime would
)
# kubectl, for the `kubectl gingham` plugin e2e test: Debian's kubernetes-client unless some kubectl is installed.
command -v kubectl >/dev/null 2>&1 || PACKAGES+=(kubernetes-client)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  # Keep maintainer scripts from starting bird, frr, gobgpd, exabgp or etcd as services: tests start their own.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

# Stop any daemon a package started anyway (systemd hosts ignore policy-rc.d).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  for svc in bird frr gobgpd exabgp etcd; do
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  done
fi
for name in bird bgpd zebra watchfrr staticd mgmtd gobgpd etcd; do
  # Only daemons started from the distribution's service files (default config paths), never a test's own.
  for pid in $(pgrep -x "$name" 2>/dev/null || true); do
    if ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- '/tmp/'; then
      kill "$pid" 2>/dev/null || true
    fi
  done
done

npm ci --no-audit --no-fund
npm run build

# `gingham` and `kubectl-gingham` on the PATH.
for bin in gingham kubectl-gingham; do
  cat > "/usr/local/bin/$bin" <<WRAP
#!/bin/sh
exec node "$ROOT/dist/cmd/gingham.js" "\$@"
WRAP
  chmod 755 "/usr/local/bin/$bin"
done

echo "setup complete: $(gingham version 2>/dev/null || echo 'gingham built')"
