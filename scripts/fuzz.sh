#!/usr/bin/env bash
# Builds FuzzKit with libFuzzer coverage, links fuzz/libfuzzer/FuzzEntry.swift into one fuzzer
# binary, and runs each harness for N executions (default 1,000,000), then prints a table.
#
#   scripts/fuzz.sh [RUNS] [HARNESS ...]     e.g. scripts/fuzz.sh 200000 npy spec
#
# Everything lands under .build/fuzz (its own scratch path, so the normal builds stay untouched):
# the binary, corpus/<harness> (inputs libFuzzer found, seeded from fuzz/corpus/<harness>),
# artifacts/<harness> (crash-, timeout- and oom- reproducers) and logs/<harness>.log.
# Limits per input: 2 s (-timeout), 2 GB RSS (-rss_limit_mb), 16 KiB (-max_len). Runs niced.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-1000000}
shift || true
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then harnesses=(npy safetensors outputs manifest spec process-replies); fi

scratch=.build/fuzz
build=$scratch/release
nice -n 10 swift build -c release --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer -Xcc -fsanitize=fuzzer-no-link --target FuzzKit >&2

# Link the entry file against FuzzKit and everything it depends on (no tests, no command line).
excluded='Tests\.build|ArgumentParser|/miaudit\.build|GradientChecking|SmallFixtureSupport|\.product/'
objects=$(find "$build/" -name '*.o' | grep -vE "$excluded")
checkouts=$scratch/checkouts
maps=$( (find "$build/" -name module.modulemap | grep -vE "$excluded|miauditPackageDiscoveredTests"
         ls Sources/CBLAS/module.modulemap Sources/CLibSVM/module.modulemap \
            "$checkouts"/GRDB.swift/Sources/GRDBSQLite/module.modulemap \
            "$checkouts"/Yams/Sources/CYaml/include/module.modulemap \
            "$checkouts"/swift-crypto/Sources/{CXKCP,CXKCPShims,CCryptoBoringSSLShims,CCryptoBoringSSL}/include/module.modulemap) \
       | sed 's/^/-Xcc -fmodule-map-file=/')
# shellcheck disable=SC2086
nice -n 10 swiftc -O -sanitize=fuzzer -parse-as-library -I "$build/Modules" $maps fuzz/libfuzzer/FuzzEntry.swift \
    $objects -lopenblas -lsvm -lsqlite3 -lstdc++ -o "$build/miaudit-fuzz"

printf '%-16s %12s %9s %10s %13s %9s %s\n' harness executions seconds exec/s "peak RSS MB" corpus findings
for harness in "${harnesses[@]}"; do
    mkdir -p "$scratch/corpus/$harness" "$scratch/artifacts/$harness" "$scratch/logs"
    log=$scratch/logs/$harness.log
    start=$(date +%s.%N)
    status=0
    nice -n 10 "$build/miaudit-fuzz" --harness="$harness" -runs="$runs" -seed=1 -timeout=2 -rss_limit_mb=2048 \
        -max_len=16384 -print_final_stats=1 -artifact_prefix="$scratch/artifacts/$harness/" \
        "$scratch/corpus/$harness" "fuzz/corpus/$harness" >"$log" 2>&1 || status=$?
    end=$(date +%s.%N)
    stat() { grep -m1 "^stat::$1:" "$log" | awk '{print $2}'; }
    findings=$(find "$scratch/artifacts/$harness" -type f | wc -l)
    [ "$status" -eq 0 ] || findings="$findings (exit $status, see $log)"
    executions=$(stat number_of_executed_units)
    seconds=$(echo "$end - $start" | bc)
    printf '%-16s %12s %9.1f %10.0f %13s %9s %s\n' "$harness" "$executions" "$seconds" \
        "$(echo "${executions:-0} / $seconds" | bc)" "$(stat peak_rss_mb)" \
        "$(find "$scratch/corpus/$harness" -type f | wc -l)" "$findings"
done
