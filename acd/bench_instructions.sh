#!/bin/bash
# Counts the work of one routing decision independently of the machine's
# caches and load: valgrind's callgrind runs BenchmarkArrive at N1 and N2
# decisions and the difference, divided by N2-N1, is the per-decision count
# of instructions (Ir), L1 data misses and last-level misses inside
# ACD.Enqueue (setup cancels out). The cache model is this VM's (48 KiB L1d,
# 4 MiB L2 per core as the last level). Needs valgrind.
#   usage: acd/bench_instructions.sh [agent counts...]   (default 1000 10000 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/acd.test
go test -c -o "$bin" ./acd/
N1=5000 N2=25000
count() { # agents N -> summary line: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
	local out; out=$(mktemp)
	GODEBUG=asyncpreemptoff=1 GOGC=off valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect='*ACD*.Enqueue' --cache-sim=yes --D1=49152,12,64 --LL=4194304,16,64 \
		"$bin" -test.run '^$' -test.bench "Arrive/agents=$1\$" -test.benchtime "${2}x" >/dev/null 2>&1
	grep '^summary:' "$out" | cut -d' ' -f2-
	rm -f "$out"
}
printf '%-8s %10s %12s %12s\n' agents Ir/op L1d-miss/op LL-miss/op
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 50000)
for n in "${sizes[@]}"; do
	a="$(count "$n" $N1) $(count "$n" $N2)"
	echo "raw $n: $a" >&2
	awk -v n="$n" -v d=$((N2 - N1)) -v a="$a" 'BEGIN { split(a, v, " ");
		printf "%-8s %10.0f %12.1f %12.2f\n", n, (v[10]-v[1])/d, (v[14]+v[15]-v[5]-v[6])/d, (v[17]+v[18]-v[8]-v[9])/d }'
done
