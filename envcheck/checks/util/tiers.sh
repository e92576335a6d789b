# shellcheck shell=sh
# Defines ectiers NAME ADDRESS PORT ...: tries each TCP connection from this host and prints
# NAME|ADDRESS|PORT|CODE per try (the network.tiers probe). Set before it: ECTCP, the text of
# tiers.bash. With bash, /dev/tcp; else nc; else 127 (nothing to try with) for every try.
: "${ECTCP:?}"
if command -v bash >/dev/null 2>&1; then ectiers() { bash -c "$ECTCP" ectiers "$@"; }
elif command -v nc >/dev/null 2>&1; then ectiers() { while [ $# -ge 3 ]; do { nc -z -w 3 "$2" "$3" >/dev/null 2>&1; printf '%s|%s|%s|%s\n' "$1" "$2" "$3" "$?"; } & shift 3; done; wait; }
else ectiers() { while [ $# -ge 3 ]; do printf '%s|%s|%s|127\n' "$1" "$2" "$3"; shift 3; done; }; fi
