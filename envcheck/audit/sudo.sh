# shellcheck shell=sh
# Defines ecsudo, which reads the elevated probes from its standard input (a quoted
# here-document that ends with the line $ECSEP, written by envcheck/audit/probe.py) and runs
# them as root. Set before it: ECSEP (the run's here-document delimiter) and, from the
# bootstrap, ECPW (the sudo password, read from standard input; empty when none was given).
: "${ECSEP:?}"
# Already root (read with builtins): the elevated probes are read by this very shell (`.`),
# not a second one, which would need its own helpers, temporary folder and watchdog.
ecuid=; while read -r eck ecv _; do [ "$eck" = Uid: ] && { ecuid=$ecv; break; }; done </proc/self/status
[ -n "$ecuid" ] || ecuid=$(id -u)
# The password goes to sudo through a pipe, never as an argument; sudo may not read it (a
# cached or NOPASSWD rule), so the root shell skips the lines up to $ECSEP before reading.
# As root, the here-document is read by this shell: there is no file to follow.
# shellcheck disable=SC1091
if [ "$ecuid" = 0 ]; then ecsudo() { . /dev/stdin; }
elif [ -n "$ECPW" ]; then
  # $1 of the single-quoted script is the delimiter given after it.
  # shellcheck disable=SC2016
  ecsudo() { { printf '%s\n' "$ECPW" "$ECSEP"; cat; } | sudo -S -p '' sh -c \
'while IFS= read -r l; do [ "$l" = "$1" ] && break; done; exec sh -s' sh "$ECSEP"; }
else ecsudo() { sudo -n sh -s; }
fi
