#!/bin/sh
# `import` refuses what would not load before writing anything (issue 16, item 7): each bad
# option exits 2 naming the option and leaves no file; a CSV of only its header, or with a row
# past a scenario's 1,048,576 tokens, is refused naming the field; good options write a file
# `check` accepts.
#   import_refusals.sh COCONUT_SIM AZURE_CSV WORK_DIR
set -u
sim=$1 csv=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
fail=0
refused() { # EXPECTED-TEXT ARGS...: exit 2, the text in stderr, no out.yaml left
  want=$1; shift
  "$sim" import azure-llm "$@" -o "$work/out.yaml" >"$work/stdout" 2>"$work/stderr"
  rc=$?
  if [ "$rc" != 2 ] || ! grep -qF -- "$want" "$work/stderr" || [ -e "$work/out.yaml" ]; then
    echo "FAIL: import $* -> exit $rc, out.yaml $( [ -e "$work/out.yaml" ] && echo left || echo absent ), want '$want':"
    cat "$work/stderr" | head -3
    fail=1
  else
    echo "ok: import $* -> exit 2, '$want', nothing written"
  fi
  rm -f "$work/out.yaml"
}
refused "--tenants: expected an integer in [1, 253]" "$csv" --tenants 254
refused "--tenants: expected an integer in [1, 253]" "$csv" --tenants 254 --runaway 5/s
refused "(--name)" "$csv" --tenants 3 --name Foo.Bar
refused "(--gpu)" "$csv" --tenants 3 --gpu h200
refused "(--speedup)" "$csv" --tenants 3 --speedup 1e9
printf 'TIMESTAMP,ContextTokens,GeneratedTokens\n' >"$work/header.csv"
refused "header: no requests" "$work/header.csv" --tenants 2
printf 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,999999999,2\n' >"$work/big.csv"
refused "ContextTokens: expected an integer 0..1048576" "$work/big.csv" --tenants 2
# The largest accepted tenant count writes a scenario that loads.
"$sim" import azure-llm "$csv" --tenants 253 -o "$work/out.yaml" >/dev/null &&
  "$sim" check "$work/out.yaml" >/dev/null || { echo "FAIL: --tenants 253 did not write a loadable scenario"; fail=1; }
[ "$fail" = 0 ] && echo "import refusals: all as expected"
exit $fail
