#!/bin/sh
# One line for the result record: the Gingham commit (of the checkout, or GINGHAM_DIST's origin) and the node version.
HERE=$(cd "$(dirname "$0")" && pwd)
rev=${GINGHAM_REV:-$(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo '?')}
echo "gingham $(node -p 'require(process.argv[1]).version' "$HERE/../../../package.json" 2>/dev/null) @ $rev (node $(node --version))"
