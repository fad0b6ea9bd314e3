#!/bin/sh
echo "$("${BIRD2_BIN:-/usr/sbin/bird}" --version 2>&1) (deb $(dpkg-query -W -f='${Version}' bird2 2>/dev/null))"
