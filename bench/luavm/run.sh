#!/usr/bin/env bash
# bench/luavm/run.sh: the lab's gopher-lua fork against the upstream v1.1.2 it started from, side by side in one
# run: the same program (bench/luavm) built twice, run in turn ROUNDS times, the median ns per call of each workload
# and the fork's ratio (fork / upstream: above 1.00 is slower).
#
# usage: bench/luavm/run.sh [ROUNDS]   (default 5; run from anywhere inside the repository)
set -euo pipefail
ROUNDS=${1:-5}
GO=${GO:-go}
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

upstream=$($GO mod download -json github.com/yuin/gopher-lua@v1.1.2 | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -d "$upstream" ] || { echo "luavm: cannot download gopher-lua v1.1.2" >&2; exit 1; }
# the upstream build: go.mod with the replace pointing at the module cache's copy
sed "s|^replace github.com/yuin/gopher-lua => .*|replace github.com/yuin/gopher-lua => $upstream|" go.mod >"$tmp/go.mod"
cp go.sum "$tmp/go.sum"
$GO build -o "$tmp/fork" ./bench/luavm
$GO build -modfile="$tmp/go.mod" -o "$tmp/upstream" ./bench/luavm

for i in $(seq "$ROUNDS"); do
	"$tmp/fork" >"$tmp/fork.$i"
	"$tmp/upstream" >"$tmp/upstream.$i"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf "%-14s %12s %12s %7s\n" workload "fork ns" "upstream ns" ratio
for w in $(cut -f1 "$tmp/fork.1"); do
	f=$(grep -h "^$w	" "$tmp"/fork.* | cut -f2 | median)
	u=$(grep -h "^$w	" "$tmp"/upstream.* | cut -f2 | median)
	printf "%-14s %12s %12s %7.2f\n" "$w" "$f" "$u" "$(echo "$f / $u" | bc -l)"
done
