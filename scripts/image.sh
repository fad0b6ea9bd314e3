#!/usr/bin/env bash
# `npm run image`: the Gingham OCI image, built without a Docker engine from Debian packages only, written as an OCI
# archive (a tar of an OCI image layout) that containerd (`ctr images import`), podman (`podman load`) and kind
# (`kind load image-archive`) take.
#
#   layer 1: a Debian bookworm root filesystem from `debootstrap --variant=minbase` with the runtime's packages
#            (iproute2, nftables, iptables, ipset, ca-certificates), docs, man pages, locales and apt lists removed;
#   layer 2: the Node binary of this machine (Debian bookworm's nodejs is 18.x, below package.json's engines >= 20),
#            dist/, the native parts (the setns addon and the static CNI shim, built by npm ci's install script with
#            this machine's compiler), the production node_modules (npm ci --omit=dev; type declarations, source maps
#            and other architectures' prebuilt addons removed), and /usr/local/bin/gingham.
# Assembled with Debian's umoci (new, unpack, repack per layer, config). Needs root (debootstrap) and network access
# to the Debian mirror the first time: the debootstrap result is cached as a tarball under $GINGHAM_IMAGE_CACHE keyed
# by suite, mirror, variant and package list, so later builds (and the image test) reuse it.
#
#   environment: GINGHAM_IMAGE_OUT   output directory (default out/image; build/ belongs to node-gyp)
#                GINGHAM_IMAGE_CACHE root filesystem cache (default /var/cache/gingham-image)
#                DEBIAN_MIRROR       default http://deb.debian.org/debian
#                GINGHAM_IMAGE_SKIP_BUILD=1  use dist/ as it is (no `npm run build`)
#   prints the archive's path on the last line of stdout.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VERSION=$(node -p "require('./package.json').version")
REPOSITORY=ghcr.io/gingham/gingham
OUT=${GINGHAM_IMAGE_OUT:-$ROOT/out/image}
CACHE=${GINGHAM_IMAGE_CACHE:-/var/cache/gingham-image}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
VARIANT=minbase
PACKAGES=(iproute2 nftables iptables ipset ca-certificates)
NODE_MIN_MAJOR=20

log() { echo "image: $*" >&2; }
die() { echo "image: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and umoci unpack need it)"
for tool in debootstrap umoci tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (sudo scripts/setup.sh installs debootstrap and umoci)"
done
NODE_BIN=$(readlink -f "$(command -v node)")
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge "$NODE_MIN_MAJOR" ] || die "node $NODE_MAJOR is older than $NODE_MIN_MAJOR (package.json engines)"

WORK=$(mktemp -d /tmp/gingham-image.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ "${GINGHAM_IMAGE_SKIP_BUILD:-0}" != 1 ]; then
  log "npm run build"
  npm run build --silent >&2
fi
[ -f dist/cmd/gingham.js ] || die "dist/cmd/gingham.js missing: npm run build"

# --- layer 1: the Debian root filesystem (cached) ---
KEY=$(printf '%s\n' "$SUITE" "$MIRROR" "$VARIANT" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
ROOTFS_TAR="$CACHE/rootfs-$SUITE-$VARIANT-$KEY.tar"
if [ ! -f "$ROOTFS_TAR" ]; then
  log "debootstrap --variant=$VARIANT $SUITE with ${PACKAGES[*]} (cached afterwards as $ROOTFS_TAR)"
  mkdir -p "$CACHE"
  debootstrap --variant="$VARIANT" --include="$(IFS=,; echo "${PACKAGES[*]}")" "$SUITE" "$WORK/debootstrap" "$MIRROR" >&2
  r="$WORK/debootstrap"
  # What a container never reads: documentation, manuals, translations, apt's downloaded lists and packages, logs,
  # and the device nodes debootstrap made (the runtime mounts /dev).
  rm -rf "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/* \
    "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/* "$r"/var/cache/debconf/*-old "$r"/var/log/* "$r"/dev/* "$r"/tmp/* "$r"/root/.??*
  tar -C "$r" --numeric-owner -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$r"
else
  log "root filesystem from the cache: $ROOTFS_TAR"
fi

# --- layer 2: Node, dist/, production node_modules ---
APP="$WORK/app"
mkdir -p "$APP/opt/gingham" "$APP/usr/local/bin"
cp package.json package-lock.json binding.gyp "$APP/opt/gingham/"
mkdir -p "$APP/opt/gingham/scripts"
cp -r native "$APP/opt/gingham/native"
cp scripts/build-native.js "$APP/opt/gingham/scripts/"
log "npm ci --omit=dev (with the native build)"
(cd "$APP/opt/gingham" && npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error >&2)
for f in gingham_setns.node gingham-cni-shim; do
  [ -f "$APP/opt/gingham/build/Release/$f" ] || die "npm ci did not build build/Release/$f"
done
# Only the two products of the native build stay.
find "$APP/opt/gingham/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
find "$APP/opt/gingham/build/Release" -mindepth 1 -maxdepth 1 ! -name gingham_setns.node ! -name gingham-cni-shim -exec rm -rf {} +
rm -rf "$APP/opt/gingham/native" "$APP/opt/gingham/scripts" "$APP/opt/gingham/binding.gyp"
find "$APP/opt/gingham/node_modules" \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -type f -delete
find "$APP/opt/gingham/node_modules" -path '*/prebuilds/*' -mindepth 1 -maxdepth 4 -type d \
  -name 'linux-*' ! -name "linux-$(node -p process.arch)" -prune -exec rm -rf {} +
rm -f "$APP/opt/gingham/package-lock.json"
cp -r dist "$APP/opt/gingham/dist"
cp "$NODE_BIN" "$APP/usr/local/bin/node"
cat > "$APP/usr/local/bin/gingham" <<'WRAP'
#!/bin/sh
exec /usr/local/bin/node /opt/gingham/dist/cmd/gingham.js "$@"
WRAP
chmod 755 "$APP/usr/local/bin/gingham"
ln -s gingham "$APP/usr/local/bin/kubectl-gingham"

# --- assemble with umoci ---
LAYOUT="$WORK/oci"
BUNDLE="$WORK/bundle"
umoci init --layout "$LAYOUT"
umoci new --image "$LAYOUT:$VERSION"
umoci unpack --image "$LAYOUT:$VERSION" "$BUNDLE" >&2
tar -C "$BUNDLE/rootfs" --numeric-owner -xf "$ROOTFS_TAR"
umoci repack --refresh-bundle --image "$LAYOUT:$VERSION" --history.created_by "debootstrap --variant=$VARIANT --include=$(IFS=,; echo "${PACKAGES[*]}") $SUITE" "$BUNDLE"
cp -a "$APP/." "$BUNDLE/rootfs/"
# The build's own check: the Node binary runs against the image's libraries.
chroot "$BUNDLE/rootfs" /usr/local/bin/gingham version >&2 || die "gingham version fails inside the root filesystem"
umoci repack --image "$LAYOUT:$VERSION" --history.created_by "gingham $VERSION: node $(node --version), dist/, production node_modules" "$BUNDLE"
umoci config --image "$LAYOUT:$VERSION" \
  --os linux --architecture "$(dpkg --print-architecture)" \
  --config.entrypoint /usr/local/bin/gingham --config.cmd version \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.workingdir / \
  --config.label "org.opencontainers.image.title=gingham" \
  --config.label "org.opencontainers.image.version=$VERSION" \
  --config.label "org.opencontainers.image.source=https://github.com/gingham/gingham"
umoci gc --layout "$LAYOUT"
# containerd's import names the image from io.containerd.image.name; the OCI ref name stays the tag.
node -e '
  const fs = require("fs"); const [file, name] = process.argv.slice(1);
  const idx = JSON.parse(fs.readFileSync(file, "utf8"));
  for (const m of idx.manifests) m.annotations = { ...m.annotations, "io.containerd.image.name": name };
  fs.writeFileSync(file, JSON.stringify(idx));
' "$LAYOUT/index.json" "$REPOSITORY:$VERSION"

mkdir -p "$OUT"
ARCHIVE="$OUT/gingham-$VERSION.oci.tar"
tar -C "$LAYOUT" --numeric-owner -cf "$ARCHIVE.tmp" .
mv "$ARCHIVE.tmp" "$ARCHIVE"
log "wrote $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1), $REPOSITORY:$VERSION)"
echo "$ARCHIVE"
