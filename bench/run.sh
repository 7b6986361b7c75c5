#!/usr/bin/env bash
# bench/run.sh: RestyLab vs real nginx + ngx_lua, side by side, in one run on this machine.
#
# usage: bench/run.sh [-s SCENARIO] [-r REPEAT] [-d SECONDS] [-c CONNS] [-n BURST_N] [-k COSOCKET_N]
#   -s hello | burst | trace | cosocket | table | string | all   (default all; env SCENARIO)
#      hello  (a) content_by_lua_block { ngx.say("hello") }, 1 worker, keep-alive, wrk -t1 -cCONNS -dSECONDS:
#             req/s and server CPU us per request (utime+stime delta / requests), goal engine >= 40% of nginx req/s
#      burst  (b) BURST_N connections at once, each GET doing ngx.sleep(0.1) then ngx.say (bench/burst):
#             wall ms until all answered, p50/p99; goal engine wall <= 1.3x nginx wall
#      trace  (c) as (a), the engine with and without --trace /dev/null; goal traced >= 90% of untraced req/s
#      cosocket (d) COSOCKET_N connections at once (bench/burst), each GET making one ngx.socket.tcp round trip
#             ("ping\n" -> line) to bench/echo (one line-echo process outside both servers), then setkeepalive:
#             a fresh server per run, a cold pool burst then a warm pool burst; goal engine wall <= 1.5x nginx wall
#      table  (e) as (a) on a handler doing Lua work: fill a 200-element table, ngx.say(#t);
#             goal engine >= 50% of nginx req/s
#      string (f) as (a) on a handler building a string: 100 pieces from string.format and .., table.concat,
#             ngx.say (no goal: the ratio is recorded)
#   -r REPEAT   runs per server (interleaved nginx, engine, nginx, ...); the table shows the median (default 3)
#   -d SECONDS  wrk duration (default 10); -c CONNS wrk connections (default 50); -n BURST_N (default 1000)
#   -k COSOCKET_N  burst size of (d) (default 500)
# env: PERF=1  after scenarios hello, table and string, `perf record -g` each server for 5 s under the same wrk
#              load, and after scenario cosocket over 5 bursts, and print the top functions (needs linux-perf);
#              NGINX, WRK, GO: binaries to use.
# Everything runs on 127.0.0.1 under a mktemp -d directory that is removed on exit; every server this script
# starts is stopped by its pid on exit.
set -euo pipefail

SCENARIO=${SCENARIO:-all}
REPEAT=${REPEAT:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
BURST_N=${BURST_N:-1000}
COSOCKET_N=${COSOCKET_N:-500}
PERF=${PERF:-0}
NGINX=${NGINX:-nginx}
WRK=${WRK:-wrk}
GO=${GO:-go}

while getopts "s:r:d:c:n:k:h" opt; do
	case $opt in
	s) SCENARIO=$OPTARG ;;
	r) REPEAT=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	n) BURST_N=$OPTARG ;;
	k) COSOCKET_N=$OPTARG ;;
	*) sed -n '2,25p' "$0"; exit 2 ;;
	esac
done
case $SCENARIO in hello | burst | trace | cosocket | table | string | all) ;; *) echo "unknown scenario $SCENARIO" >&2; exit 2 ;; esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/restylab-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody when started as root
PIDS=()
CLK_TCK=$(getconf CLK_TCK)

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Raise the fd limit (the burst opens BURST_N sockets on each side); fall back to the hard limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

log() { echo "# $*" >&2; }

# ---- build ---------------------------------------------------------------------------------------------------
log "building restylab, bench/burst and bench/echo from $REPO"
(cd "$REPO" && "$GO" build -o "$WORK/restylab" ./cmd/restylab && "$GO" build -o "$WORK/burst" ./bench/burst &&
	"$GO" build -o "$WORK/echo" ./bench/echo)
ENGINE_REV=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(cd "$REPO" && git status --porcelain -- lab cmd 2>/dev/null | head -1)" ]; then
	ENGINE_REV="$ENGINE_REV+dirty"
fi

# ---- helpers -------------------------------------------------------------------------------------------------
free_port() {
	local p
	# below the ephemeral range (32768+ here), so that no client socket of wrk or burst holds it; any state counts
	for _ in $(seq 200); do
		p=$((10000 + RANDOM % 20000))
		if [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ]; then echo "$p"; return 0; fi
	done
	echo "no free port" >&2; return 1
}

# make_prefix NAME PORT WORKER_CONNECTIONS: the same nginx.conf for both servers. /cosocket talks to bench/echo on
# ECHO_PORT (set by scenario (d); unused elsewhere).
ECHO_PORT=9
make_prefix() {
	local dir=$WORK/$1
	mkdir -p "$dir/conf" "$dir/logs"
	chmod 755 "$dir" "$dir/conf" "$dir/logs"
	cat >"$dir/conf/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
daemon off;
pid logs/nginx.pid;
error_log logs/error.log warn;
worker_processes 1;
events { worker_connections $3; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$2;
        location = /hello { content_by_lua_block { ngx.say("hello") } }
        location = /sleep { content_by_lua_block { ngx.sleep(0.1) ngx.say("slept") } }
        location = /table { content_by_lua_block { local t = {} for i = 1, 200 do t[i] = i end ngx.say(#t) } }
        location = /string {
            content_by_lua_block {
                local p = {} for i = 1, 100 do p[i] = string.format("%d:%.2f", i, i / 7) .. "," .. i end
                ngx.say(table.concat(p, ";"))
            }
        }
        location = /cosocket {
            content_by_lua_block {
                local s = ngx.socket.tcp() s:settimeout(2000) assert(s:connect("127.0.0.1", $ECHO_PORT)) s:send("ping\n")
                local l = s:receive() s:setkeepalive() ngx.say(l)
            }
        }
    }
}
EOF
	echo "$dir"
}

# start SERVER(nginx|engine) PREFIX PORT [engine flags...]: starts it in the background and sets STARTED_PID.
start() {
	local kind=$1 dir=$2 port=$3
	shift 3
	if [ "$kind" = nginx ]; then
		"$NGINX" -p "$dir/" -c "$dir/conf/nginx.conf" >"$dir/logs/stdout.log" 2>&1 &
	else
		"$WORK/restylab" run -p "$dir" -c "$dir/conf/nginx.conf" "$@" >"$dir/logs/stdout.log" 2>&1 &
	fi
	STARTED_PID=$!
	PIDS+=("$STARTED_PID")
	for _ in $(seq 100); do
		if ! kill -0 "$STARTED_PID" 2>/dev/null; then
			echo "$kind did not start:" >&2; cat "$dir/logs/stdout.log" "$dir/logs/error.log" >&2 2>/dev/null || true
			exit 1
		fi
		if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/hello" 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "$kind not answering on port $port" >&2; exit 1
}

stop() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
}

# cpu_ticks PID: utime+stime (clock ticks) of PID and its child processes (the nginx worker), all threads.
cpu_ticks() {
	local total=0 p s
	for p in "$1" $(pgrep -P "$1" || true); do
		s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		s=${s##*) } # fields after the comm
		set -- $s
		total=$((total + ${12} + ${13})) # utime, stime (fields 14, 15)
	done
	echo "$total"
}

# ctx_switches PID: voluntary + involuntary context switches of all threads of PID and its children.
ctx_switches() {
	local p
	for p in "$1" $(pgrep -P "$1" || true); do
		cat /proc/"$p"/task/*/status 2>/dev/null
	done | awk '/ctxt_switches/ {s += $2} END {print s + 0}'
}

load1() { cut -d' ' -f1 /proc/loadavg; }

# median of the arguments (numbers); the mean of the two middle values for an even count.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# wrk_run PID URL SECONDS: prints "reqs_per_s cpu_us_per_req errors load1 client_cpu_pct ctxsw_per_req"
wrk_run() {
	local pid=$1 url=$2 secs=$3 out t0 t1 reqs rps errs ld ccpu x0 x1
	ld=$(load1)
	x0=$(ctx_switches "$pid")
	t0=$(cpu_ticks "$pid")
	out=$( { /usr/bin/time -f 'CLIENTCPU %U %S %e' "$WRK" -t1 -c"$CONNS" -d"${secs}s" "$url"; } 2>&1)
	t1=$(cpu_ticks "$pid")
	x1=$(ctx_switches "$pid")
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	errs=$(awk '/Socket errors/ {gsub(",", ""); e += $4 + $6 + $8 + $10} /Non-2xx/ {e += $NF} END {print e + 0}' <<<"$out")
	ccpu=$(awk '/^CLIENTCPU/ {printf "%.0f", ($2 + $3) * 100 / $4}' <<<"$out")
	if [ -z "$rps" ] || [ -z "$reqs" ] || [ "$reqs" -eq 0 ]; then
		echo "wrk failed against $url:" >&2; echo "$out" >&2; exit 1
	fi
	awk -v r="$rps" -v n="$reqs" -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v e="$errs" -v l="$ld" -v c="$ccpu" -v x=$((x1 - x0)) \
		'BEGIN {printf "%.0f %.2f %d %s %s %.3f\n", r, d * 1e6 / hz / n, e, l, c, x / n}'
}

# server_errors DIR: count of error/alert/crit/emerg lines and Go panics in a server's logs.
server_errors() { cat "$1"/logs/*.log 2>/dev/null | grep -Eci '\[(error|alert|crit|emerg)\]|panic|fatal' || true; }

machine() {
	echo "machine: nproc $(nproc), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "versions: $("$NGINX" -v 2>&1 | sed 's/.*version: //'), restylab $ENGINE_REV ($("$GO" version | cut -d' ' -f3)), $("$WRK" -v 2>&1 | head -1 | cut -d' ' -f1-2)"
}

# ---- (a) hello, (c) trace, (e) table, (f) string: wrk throughput ----------------------------------------------
# throughput TITLE GOAL_KIND NAME:KIND:FLAGS...  (GOAL_KIND hello|trace|table|string, which also names the location
# measured, /hello for trace; KIND nginx|engine; FLAGS space-free engine flags joined by ,)
throughput() {
	local title=$1 goal=$2
	shift 2
	local names=() pids=() urls=() dirs=() spec name kind flags port dir i r path=/$goal
	[ "$goal" = trace ] && path=/hello
	for spec in "$@"; do
		IFS=: read -r name kind flags <<<"$spec"
		port=$(free_port)
		dir=$(make_prefix "$goal-${#names[@]}" "$port" 4096)
		# shellcheck disable=SC2086
		start "$kind" "$dir" "$port" ${flags//,/ }
		names+=("$name"); pids+=("$STARTED_PID"); urls+=("http://127.0.0.1:$port$path"); dirs+=("$dir")
	done
	local ld0
	ld0=$(cut -d' ' -f1-3 /proc/loadavg)
	for i in "${!names[@]}"; do # warm up (not measured)
		"$WRK" -t1 -c"$CONNS" -d2s "${urls[$i]}" >/dev/null
	done
	declare -A RPS CPU ERR LD CC XS
	for r in $(seq "$REPEAT"); do
		for i in "${!names[@]}"; do
			log "$title: run $r/$REPEAT ${names[$i]}"
			read -r a b c d e f <<<"$(wrk_run "${pids[$i]}" "${urls[$i]}" "$DURATION")"
			RPS[$i]+="$a "; CPU[$i]+="$b "; ERR[$i]+="$c "; LD[$i]+="$d "; CC[$i]+="$e "; XS[$i]+="$f "
			log "  req/s $a, cpu $b us/req, errors $c, load1 $d, wrk cpu $e%, context switches/req $f"
		done
	done
	echo
	echo "### $title"
	echo
	echo "\`wrk -t1 -c$CONNS -d${DURATION}s\`, keep-alive, worker_processes 1; median of $REPEAT runs per server, runs interleaved; load average at start: $ld0"
	echo
	echo "| server | req/s (median) | server CPU µs/req (median) | req/s of each run | µs/req of each run | server context switches/req | wrk CPU % | load1 before each run | errors (wrk + server log) |"
	echo "|---|---|---|---|---|---|---|---|---|"
	local med_rps=() med_cpu=()
	for i in "${!names[@]}"; do
		# shellcheck disable=SC2086
		med_rps[$i]=$(median ${RPS[$i]}); med_cpu[$i]=$(median ${CPU[$i]})
		local errsum
		errsum=$(awk '{for (i = 1; i <= NF; i++) s += $i} END {print s + 0}' <<<"${ERR[$i]}")
		echo "| ${names[$i]} | ${med_rps[$i]} | ${med_cpu[$i]} | ${RPS[$i]% } | ${CPU[$i]% } | $(median ${XS[$i]}) | ${CC[$i]% } | ${LD[$i]% } | $errsum + $(server_errors "${dirs[$i]}") |"
	done
	local ratio cratio verdict
	if [ "$goal" != trace ]; then
		ratio=$(awk -v a="${med_rps[1]}" -v b="${med_rps[0]}" 'BEGIN {printf "%.2f", a / b}')
		cratio=$(awk -v a="${med_cpu[1]}" -v b="${med_cpu[0]}" 'BEGIN {printf "%.2f", a / b}')
		echo "| **engine / nginx** | **$ratio** | **$cratio** (x nginx's CPU per request) | | | | | | |"
		echo
		local want=
		case $goal in hello) want=0.40 ;; table) want=0.50 ;; esac
		if [ -n "$want" ]; then
			verdict=$(awk -v r="$ratio" -v w="$want" 'BEGIN {print (r >= w) ? "MET" : "NOT MET"}')
			echo "Goal: engine req/s >= $(awk -v w="$want" 'BEGIN {print w * 100}')% of nginx's: **$verdict** ($ratio)."
		else
			echo "No goal for this scenario: the ratio is recorded ($ratio)."
		fi
	else
		ratio=$(awk -v a="${med_rps[2]}" -v b="${med_rps[1]}" 'BEGIN {printf "%.2f", a / b}')
		cratio=$(awk -v a="${med_cpu[2]}" -v b="${med_cpu[1]}" 'BEGIN {printf "%.2f", a / b}')
		verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.90) ? "MET" : "NOT MET"}')
		echo "| **traced / untraced engine** | **$ratio** | **$cratio** (x untraced CPU per request) | | | | | | |"
		echo
		echo "Goal (issue 16): traced engine req/s >= 90% of the untraced engine's: **$verdict** ($ratio)."
	fi
	if [ "$PERF" = 1 ] && [ "$goal" != trace ]; then
		for i in "${!names[@]}"; do profile "${names[$i]}" "${pids[$i]}" "${urls[$i]}"; done
	fi
	for i in "${!names[@]}"; do stop "${pids[$i]}"; done
}

# profile NAME PID URL: perf record -g the server (and its children) for 5 s under wrk load; print the top.
profile() {
	local name=$1 pid=$2 url=$3 p plist
	command -v perf >/dev/null || { log "perf not installed: skipping the profile"; return 0; }
	plist=$pid
	for p in $(pgrep -P "$pid" || true); do plist+=",$p"; done
	"$WRK" -t1 -c"$CONNS" -d7s "$url" >/dev/null &
	local wpid=$!
	sleep 1
	perf record -q -F 999 -g -p "$plist" -o "$WORK/perf-$name.data" -- sleep 5 >/dev/null 2>&1 || true
	wait "$wpid" || true
	echo
	echo "#### perf: $name (5 s under the same wrk load, self time): by binary, then the top 25 symbols, then the top 15 user-space symbols"
	perf_report "$name" "$pid"
}

# perf_report NAME PID: print the top of $WORK/perf-NAME.data (PID: the server, for the name of its binary).
perf_report() {
	local name=$1 pid=$2
	echo
	echo '```'
	perf report -i "$WORK/perf-$name.data" --stdio --no-children --sort dso -g none 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -6 || true
	echo
	perf report -i "$WORK/perf-$name.data" --stdio --no-children --sort dso,symbol -g none 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -25 | sed 's/ *- *- *$//' || true
	echo
	perf report -i "$WORK/perf-$name.data" --stdio --no-children --sort symbol -g none \
		--dsos "$(basename "$(readlink -f "/proc/$pid/exe")")" 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -15 | sed 's/ *- *- *$//' || true
	echo '```'
}

# ---- (b) burst of sleeping requests ---------------------------------------------------------------------------
burst() {
	local wc=$((BURST_N * 2 + 64))
	[ "$wc" -lt 4096 ] && wc=4096
	local pn pe dn de
	pn=$(free_port); dn=$(make_prefix burst-nginx "$pn" "$wc"); start nginx "$dn" "$pn"; local pidn=$STARTED_PID
	pe=$(free_port); de=$(make_prefix burst-engine "$pe" "$wc"); start engine "$de" "$pe"; local pide=$STARTED_PID
	local ld0 r name port line
	ld0=$(cut -d' ' -f1-3 /proc/loadavg)
	declare -A WALL P50 P99 ERRS DIAL LD CPU
	# one small warm-up burst each (not measured)
	"$WORK/burst" -url "http://127.0.0.1:$pn/sleep" -n 50 >/dev/null || true
	"$WORK/burst" -url "http://127.0.0.1:$pe/sleep" -n 50 >/dev/null || true
	for r in $(seq "$REPEAT"); do
		for name in nginx engine; do
			if [ $name = nginx ]; then port=$pn; pid=$pidn; else port=$pe; pid=$pide; fi
			sleep 1 # let TIME_WAIT churn and the previous burst settle
			LD[$name]+="$(load1) "
			local t0 t1
			t0=$(cpu_ticks "$pid")
			line=$("$WORK/burst" -url "http://127.0.0.1:$port/sleep" -n "$BURST_N" -timeout 20s || true)
			t1=$(cpu_ticks "$pid")
			log "burst run $r/$REPEAT $name: $(echo "$line" | head -3 | tr '\n' ' ')"
			local first
			first=$(head -1 <<<"$line")
			WALL[$name]+="$(sed -E 's/.*wall_ms=([0-9.]+).*/\1/' <<<"$first") "
			P50[$name]+="$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$first") "
			P99[$name]+="$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$first") "
			ERRS[$name]+="$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$first") "
			DIAL[$name]+="$(sed -E 's/.*dial_ms=([0-9.]+).*/\1/' <<<"$first") "
			CPU[$name]+="$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$BURST_N" 'BEGIN {printf "%.1f", d * 1e6 / hz / n}') "
		done
	done
	echo
	echo "### (b) $BURST_N concurrent requests, each ngx.sleep(0.1) then ngx.say"
	echo
	echo "bench/burst: $BURST_N connections dialled at once, then one GET on each released at the same moment; wall = release to last response (ideal 100 ms). worker_processes 1, worker_connections $wc; median of $REPEAT runs per server, interleaved; load average at start: $ld0"
	echo
	echo "| server | wall ms (median) | p50 ms | p99 ms | wall ms of each run | dial ms of each run | server CPU µs/req | errors | load1 before each run |"
	echo "|---|---|---|---|---|---|---|---|---|"
	local w
	declare -A MW
	for name in nginx engine; do
		# shellcheck disable=SC2086
		MW[$name]=$(median ${WALL[$name]})
		local dir=$dn; [ $name = engine ] && dir=$de
		echo "| $name | ${MW[$name]} | $(median ${P50[$name]}) | $(median ${P99[$name]}) | ${WALL[$name]% } | ${DIAL[$name]% } | $(median ${CPU[$name]}) | $(awk '{for (i = 1; i <= NF; i++) s += $i} END {print s + 0}' <<<"${ERRS[$name]}") + $(server_errors "$dir") log | ${LD[$name]% } |"
	done
	w=$(awk -v a="${MW[engine]}" -v b="${MW[nginx]}" 'BEGIN {printf "%.2f", a / b}')
	echo "| **engine / nginx** | **$w** | | | | | | | |"
	echo
	echo "Goal: engine wall <= 1.3x nginx's: **$(awk -v r="$w" 'BEGIN {print (r <= 1.3) ? "MET" : "NOT MET"}')** (${w}x)."
	stop "$pidn"; stop "$pide"
}

# ---- (d) burst of cosocket round trips -----------------------------------------------------------------------
# echo_stats: "accepted open" counters of bench/echo (SIGUSR1 makes it print a line to its log).
echo_stats() {
	local before after
	before=$(grep -c '^accepted=' "$WORK/echo.log" || true)
	kill -USR1 "$ECHO_PID"
	for _ in $(seq 50); do
		after=$(grep -c '^accepted=' "$WORK/echo.log" || true)
		[ "$after" -gt "$before" ] && break
		sleep 0.02
	done
	grep '^accepted=' "$WORK/echo.log" | tail -1 | sed -E 's/accepted=([0-9]+) open=([0-9]+).*/\1 \2/'
}

cosocket() {
	local n=$COSOCKET_N wc=$((COSOCKET_N * 3 + 64))
	[ "$wc" -lt 4096 ] && wc=4096
	ECHO_PORT=$(free_port)
	"$WORK/echo" -port "$ECHO_PORT" -max-conns $((n * 4 + 64)) >"$WORK/echo.log" 2>&1 &
	ECHO_PID=$!
	PIDS+=("$ECHO_PID")
	for _ in $(seq 100); do grep -q '^listening' "$WORK/echo.log" && break; sleep 0.05; done
	grep -q '^listening' "$WORK/echo.log" || { echo "bench/echo did not start:" >&2; cat "$WORK/echo.log" >&2; exit 1; }
	local ld0 r name phase port pid dir line first t0 t1 a0 a1 o1 key
	ld0=$(cut -d' ' -f1-3 /proc/loadavg)
	declare -A WALL P50 P99 ERRS LD CPU NEWC POOLED DIRS
	for r in $(seq "$REPEAT"); do
		for name in nginx engine; do
			# a fresh server per run, so that the first burst finds an empty cosocket pool
			port=$(free_port); dir=$(make_prefix "cosocket-$name-$r" "$port" "$wc"); start "$name" "$dir" "$port"; pid=$STARTED_PID
			DIRS[$name]+="$dir "
			# warm-up (not measured): a burst of sleeping handlers, so that the engine's coroutine pool is not cold
			"$WORK/burst" -url "http://127.0.0.1:$port/sleep" -n "$n" >/dev/null || true
			for phase in cold warm; do
				key=$name-$phase
				sleep 1 # let TIME_WAIT churn and the previous burst settle
				LD[$key]+="$(load1) "
				read -r a0 _ <<<"$(echo_stats)"
				t0=$(cpu_ticks "$pid")
				line=$("$WORK/burst" -url "http://127.0.0.1:$port/cosocket" -n "$n" -timeout 20s || true)
				t1=$(cpu_ticks "$pid")
				read -r a1 o1 <<<"$(echo_stats)"
				first=$(head -1 <<<"$line")
				log "cosocket run $r/$REPEAT $name $phase pool: $(echo "$line" | head -4 | tr '\n' ' ') upstream connects $((a1 - a0)), left open $o1"
				WALL[$key]+="$(sed -E 's/.*wall_ms=([0-9.]+).*/\1/' <<<"$first") "
				P50[$key]+="$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$first") "
				P99[$key]+="$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$first") "
				ERRS[$key]+="$(sed -nE 's/.*errors=([0-9]+).*/\1/p' <<<"$first" | grep . || echo "$n") "
				CPU[$key]+="$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$n" 'BEGIN {printf "%.1f", d * 1e6 / hz / n}') "
				NEWC[$key]+="$((a1 - a0)) "
				POOLED[$key]+="$o1 "
			done
			stop "$pid"
		done
	done
	echo
	echo "### (d) $n concurrent requests, each one cosocket round trip to a TCP line-echo server"
	echo
	echo "bench/burst: $n connections dialled at once, then one GET /cosocket on each released at the same moment; the handler connects to bench/echo (127.0.0.1:$ECHO_PORT, one process serving both servers), sends \"ping\\n\", reads the line back, setkeepalive() (default pool: 30 per worker), ngx.say. A fresh server per run; before it, a $n-request /sleep burst (not measured) warms the engine's coroutine pool. cold = first /cosocket burst (empty cosocket pool), warm = the second burst 1 s later (the pool holds the connections the first burst kept: at most 30 are reused, the rest connect anew). worker_processes 1, worker_connections $wc; median of $REPEAT runs per server, interleaved; load average at start: $ld0"
	echo
	echo "| server | pool | wall ms (median) | p50 ms | p99 ms | wall ms of each run | server CPU µs/req | new upstream connections per burst | kept in pool after | errors | load1 before each run |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	declare -A MW
	for phase in cold warm; do
		for name in nginx engine; do
			key=$name-$phase
			# shellcheck disable=SC2086
			MW[$key]=$(median ${WALL[$key]})
			local logerr=0 d
			for d in ${DIRS[$name]}; do logerr=$((logerr + $(server_errors "$d"))); done
			echo "| $name | $phase | ${MW[$key]} | $(median ${P50[$key]}) | $(median ${P99[$key]}) | ${WALL[$key]% } | $(median ${CPU[$key]}) | ${NEWC[$key]% } | ${POOLED[$key]% } | $(awk '{for (i = 1; i <= NF; i++) s += $i} END {print s + 0}' <<<"${ERRS[$key]}") + $logerr log | ${LD[$key]% } |"
		done
	done
	local wc_ratio ww_ratio
	wc_ratio=$(awk -v a="${MW[engine-cold]}" -v b="${MW[nginx-cold]}" 'BEGIN {printf "%.2f", a / b}')
	ww_ratio=$(awk -v a="${MW[engine-warm]}" -v b="${MW[nginx-warm]}" 'BEGIN {printf "%.2f", a / b}')
	echo "| **engine / nginx** | cold | **$wc_ratio** | | | | | | | | |"
	echo "| **engine / nginx** | warm | **$ww_ratio** | | | | | | | | |"
	echo
	echo "Goal: engine wall <= 1.5x nginx's: cold pool **$(awk -v r="$wc_ratio" 'BEGIN {print (r <= 1.5) ? "MET" : "NOT MET"}')** (${wc_ratio}x), warm pool **$(awk -v r="$ww_ratio" 'BEGIN {print (r <= 1.5) ? "MET" : "NOT MET"}')** (${ww_ratio}x)."
	if [ "$PERF" = 1 ]; then
		for name in nginx engine; do profile_cosocket "$name" "$wc"; done
	fi
	stop "$ECHO_PID"
}

# profile_cosocket NAME WORKER_CONNECTIONS: perf record -g a fresh server over 5 /cosocket bursts; print the top.
profile_cosocket() {
	local name=$1 port dir pid p plist ppid i
	command -v perf >/dev/null || { log "perf not installed: skipping the profile"; return 0; }
	port=$(free_port); dir=$(make_prefix "perf-cosocket-$name" "$port" "$2"); start "$name" "$dir" "$port"; pid=$STARTED_PID
	"$WORK/burst" -url "http://127.0.0.1:$port/sleep" -n "$COSOCKET_N" >/dev/null || true
	plist=$pid
	for p in $(pgrep -P "$pid" || true); do plist+=",$p"; done
	perf record -q -F 2999 -g -p "$plist" -o "$WORK/perf-cosocket-$name.data" >/dev/null 2>&1 &
	ppid=$!
	sleep 0.5
	for i in 1 2 3 4 5; do
		"$WORK/burst" -url "http://127.0.0.1:$port/cosocket" -n "$COSOCKET_N" -timeout 20s >/dev/null || true
		sleep 0.3
	done
	kill -INT "$ppid" 2>/dev/null || true
	wait "$ppid" || true
	echo
	echo "#### perf: $name, 5 bursts of $COSOCKET_N /cosocket requests (self time): by binary, then the top 25 symbols, then the top 15 user-space symbols"
	perf_report "cosocket-$name" "$pid"
	stop "$pid"
}

# ---- main ----------------------------------------------------------------------------------------------------
echo "## RestyLab vs nginx: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
machine
if [ "$SCENARIO" = hello ] || [ "$SCENARIO" = all ]; then
	throughput "(a) hello world" hello "nginx:nginx:" "engine:engine:"
fi
if [ "$SCENARIO" = burst ] || [ "$SCENARIO" = all ]; then
	burst
fi
if [ "$SCENARIO" = trace ] || [ "$SCENARIO" = all ]; then
	throughput "(c) hello world, engine with full tracing (--trace /dev/null)" trace \
		"nginx:nginx:" "engine:engine:" "engine --trace /dev/null:engine:--trace,/dev/null"
fi
if [ "$SCENARIO" = cosocket ] || [ "$SCENARIO" = all ]; then
	cosocket
fi
if [ "$SCENARIO" = table ] || [ "$SCENARIO" = all ]; then
	throughput "(e) a handler filling a 200-element table" table "nginx:nginx:" "engine:engine:"
fi
if [ "$SCENARIO" = string ] || [ "$SCENARIO" = all ]; then
	throughput "(f) a handler building a string from 100 string.format pieces" string "nginx:nginx:" "engine:engine:"
fi
