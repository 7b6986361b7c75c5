#!/usr/bin/env bash
# bench/luavm/run.sh: the lab's gopher-lua fork against the upstream v1.1.2 it started from, side by side in one
# run: the same program (bench/luavm) built twice, run in turn ROUNDS times, the median ns per call of each workload
# and the fork's ratio (fork / upstream: above 1.00 is slower). When `luajit` (Debian's luajit2, OpenResty's LuaJIT)
# is installed, the same workloads run in it too, with its JIT and with -joff (interpreter only), in turn with the
# others, and the fork's ratio to each (fork / luajit: how many times slower).
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

luajit=$(command -v luajit || true)
[ -n "$luajit" ] && "$tmp/fork" -lua >"$tmp/workloads.lua"
for i in $(seq "$ROUNDS"); do
	"$tmp/fork" >"$tmp/fork.$i"
	"$tmp/upstream" >"$tmp/upstream.$i"
	if [ -n "$luajit" ]; then
		"$luajit" "$tmp/workloads.lua" >"$tmp/luajit.$i"
		"$luajit" -joff "$tmp/workloads.lua" >"$tmp/joff.$i"
	fi
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
if [ -z "$luajit" ]; then
	printf "%-14s %12s %12s %7s\n" workload "fork ns" "upstream ns" ratio
else
	printf "%-14s %12s %12s %7s %10s %10s %8s %8s\n" workload "fork ns" "upstream ns" ratio "luajit ns" "-joff ns" "x luajit" "x -joff"
fi
for w in $(cut -f1 "$tmp/fork.1"); do
	f=$(grep -h "^$w	" "$tmp"/fork.* | cut -f2 | median)
	u=$(grep -h "^$w	" "$tmp"/upstream.* | cut -f2 | median)
	if [ -z "$luajit" ]; then
		printf "%-14s %12s %12s %7.2f\n" "$w" "$f" "$u" "$(echo "$f / $u" | bc -l)"
		continue
	fi
	j=$(grep -h "^$w	" "$tmp"/luajit.* | cut -f2 | median)
	o=$(grep -h "^$w	" "$tmp"/joff.* | cut -f2 | median)
	# a ratio to 0 ns (LuaJIT compiled the work away) is printed as -
	awk -v w="$w" -v f="$f" -v u="$u" -v j="$j" -v o="$o" 'function x(a, b) {return b > 0 ? sprintf("%.1f", a / b) : "-"}
		BEGIN {printf "%-14s %12s %12s %7.2f %10s %10s %8s %8s\n", w, f, u, f / u, j, o, x(f, j), x(f, o)}'
done
