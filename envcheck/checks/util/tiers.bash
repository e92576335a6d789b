# shellcheck shell=bash
# ectiers' bash form (envcheck/checks/util/tiers.sh runs it as `bash -c "$ECTCP" ectiers
# NAME ADDRESS PORT ...`): every connection at once through /dev/tcp, all cut after 3 s;
# one line per try: NAME|ADDRESS|PORT|CODE (0 open, 124 timed out, else refused).
n=0; while [ $# -ge 3 ]; do ( exec 3<>"/dev/tcp/$2/$3" ) 2>/dev/null & p[n]=$!; t[n]="$1|$2|$3"; n=$((n + 1)); shift 3; done
# $s is expanded when the trap is set, as meant.
# shellcheck disable=SC2064
( sleep 3 & s=$!; trap "kill $s; exit" TERM; wait "$s"; kill "${p[@]}" ) >/dev/null 2>&1 & w=$!
for ((i = 0; i < n; i++)); do wait "${p[i]}"; rc=$?; [ $rc -gt 128 ] && rc=124; printf "%s|%s\n" "${t[i]}" $rc; done
kill "$w" 2>/dev/null; wait
