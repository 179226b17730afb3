#!/usr/bin/env bash
# Run the fuzz targets for a bounded time: scripts/fuzz.sh [SECONDS [TARGET...]] (default: 60 s
# for each of them).
#
# Targets (fuzz/fuzz_targets): json_check and text_check (bytes → parse → check → every
# diagnostic format, then docs and diff for a valid document: never panics), fmt (idempotent),
# convert (a valid document converted to the other form checks to the same IR), trace_line (bytes
# as a JSONL trace: the parser never panics and its fast path agrees exactly with the general
# parser). Each is seeded from examples/ and the test corpora (trace_line from the traces in
# examples/ and the golden tests); its corpus grows in fuzz/corpus/<target> and crashes land in
# fuzz/artifacts/<target>.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). It passes nightly-only flags, so on a
# stable toolchain RUSTC_BOOTSTRAP=1 is set here. The crate forbids unsafe code, so the address
# sanitizer would find nothing the panic hook does not: it is off, which makes runs faster.
# On a shared machine run it as `nice -n 19 scripts/fuzz.sh`.
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"

targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(json_check text_check fmt convert trace_line)
fi
document_seeds=("$root/examples" "$root/tests/corpus" "$root/tests/corpus-text" "$root/tests/diff-cases")
trace_seeds=("$root/examples" "$root/tests/golden" "$root/tests/golden-ref")

cargo fuzz build --sanitizer none
failed=()
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    echo "== $target (${seconds}s)"
    if [[ "$target" == trace_line ]]; then
        seeds=("${trace_seeds[@]}")
    else
        seeds=("${document_seeds[@]}")
    fi
    if ! cargo fuzz run --sanitizer none "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1; then
        failed+=("$target")
    fi
done
if ((${#failed[@]})); then
    echo "failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
