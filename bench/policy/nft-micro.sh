#!/bin/sh
# Micro-benchmark of the nft transactions of label changes (root). DIR holds table.nft and change-N.nft written by
# bench/policy/dump-table.ts. For each change: wall time of one `ip netns exec nft -f` on the loaded table, and,
# independent of machine load, the netlink work nft does for it (strace in a twin namespace): messages received,
# set-element dumps (NFT_MSG_GETSETELEM requests) and element messages received (NFT_MSG_NEWSETELEM).
set -eu
DIR=$1
N=${2:-20}
A=gh-micro-a-$$
B=gh-micro-b-$$
trap 'ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null' EXIT
ip netns add $A
ip netns add $B
ip netns exec $A nft -f "$DIR/table.nft"
ip netns exec $B nft -f "$DIR/table.nft"
printf 'change lines wall_ms recvmsg getsetelem newsetelem\n'
i=0
while [ $i -lt "$N" ]; do
  f="$DIR/change-$i.nft"
  i=$((i + 1))
  [ -s "$f" ] || continue
  t0=$(date +%s%N)
  ip netns exec $A nft -f "$f"
  t1=$(date +%s%N)
  ip netns exec $B strace -f -qq -e trace=sendmsg,sendto,recvmsg -o "$DIR/strace.out" nft -f "$f"
  # The deletions that follow the change, untimed (files from dump-table.ts of before collect() have none).
  c="$DIR/collect-$((i - 1)).nft"
  if [ -s "$c" ]; then ip netns exec $A nft -f "$c"; ip netns exec $B nft -f "$c"; fi
  printf '%s %s %s %s %s %s\n' "$(basename "$f" .nft)" "$(grep -c . "$f")" $(((t1 - t0) / 1000000)) \
    "$(grep -c '^[0-9]* *recvmsg' "$DIR/strace.out")" "$(grep -o 'NFT_MSG_GETSETELEM' "$DIR/strace.out" | wc -l)" \
    "$(grep -o 'NFT_MSG_NEWSETELEM' "$DIR/strace.out" | wc -l)"
done
