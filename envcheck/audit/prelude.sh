# shellcheck shell=sh
# The probe prelude: the first lines of the script every host runs (envcheck/audit/probe.py).
# Fixed text, sent as it is. The per-run values come before it, as shell assignments of
# shlex.quote'd values written by probe.py (never formatted into this text):
#   ECMARK    the marker, with the run's nonce, that frames every probe's output
#   ECMAXERR  bytes of a probe's stderr sent back
# The output contract, read by probe.split_output, per probe:
#   \n$ECMARK B <id>\n<stdout>\n$ECMARK E <id>\n<stderr>\n$ECMARK R <id> <exit code>\n
: "${ECMARK:?}" "${ECMAXERR:?}"
export LC_ALL=C.UTF-8 LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# A TZ from the login session (pam_env, /etc/environment) must not colour what probes see.
unset LANGUAGE TZ ECCONT
ECT=$(mktemp -d 2>/dev/null || { mkdir -m 700 /tmp/.envcheck.$$ && echo /tmp/.envcheck.$$; })
ECMAIN=$$
# Few forks per probe (a server under load is audited too): each probe is a forked subshell
# (no exec); stdout streams straight out (the controller caps it), stderr is printed only
# when there is any. One watchdog per shell bounds the probes that may hang: ecrun notes
# "pid deadline" in $ECT/w; past the deadline the watchdog stops the probe and everything
# under it (found in /proc) and kills them; the probe's code is then 124, as timeout(1) says.
eckill() {
  ecroot=$1; ecks=" $1 "; ecgrew=1; kill -STOP "$1" 2>/dev/null
  while [ -n "$ecgrew" ]; do
    ecgrew=
    for ecst in /proc/[0-9]*/stat; do
      read -r ecl 2>/dev/null <"$ecst" || continue
      ecq=${ecst#/proc/}; ecq=${ecq%/stat}
      case "$ecks" in *" $ecq "*) continue;; esac
      # The fields after the command name, split into words: $2 is the parent's pid.
      # shellcheck disable=SC2086
      set -- ${ecl##*) }
      case "$ecks" in *" $2 "*) ecks="$ecks$ecq "; kill -STOP "$ecq" 2>/dev/null; ecgrew=1;; esac
    done
  done
  # One word per pid of the tree; the probe itself last: the main shell goes on as soon as it
  # ends and may end this watchdog (ecend) before the rest of the tree is killed.
  ecks=${ecks#" $ecroot "}
  # shellcheck disable=SC2086
  [ -z "${ecks# }" ] || kill -KILL $ecks 2>/dev/null
  kill -KILL "$ecroot" 2>/dev/null
}
ecwatch() {
  while sleep 1; do
    ecwp=; read -r ecwp ecwd 2>/dev/null <"$ECT/w"
    if ! kill -0 "$ECMAIN" 2>/dev/null; then  # the session is gone: end its probe, tidy up
      [ -n "$ecwp" ] && eckill "$ecwp"; rm -rf "$ECT"; exit 0
    fi
    [ -n "$ecwp" ] || continue
    read -r ecup _ </proc/uptime
    [ "${ecup%.*}" -ge "$ecwd" ] || continue
    : >"$ECT/t.$ecwp"; eckill "$ecwp"
  done
}
ecwatch </dev/null >/dev/null 2>&1 &
ECW=$!
# ecrun ID TIMEOUT COMMAND: TIMEOUT 0 for a probe that cannot block (no watchdog).
ecrun() {
  printf '\n%s B %s\n' "$ECMARK" "$1"
  if [ "$2" = 0 ]; then
    ( unset ECPW ECS; eval "$3" ) </dev/null 2>"$ECT/e"
    ecrc=$?
  else
    ( unset ECPW ECS; eval "$3" ) </dev/null 2>"$ECT/e" &
    ecp=$!
    read -r ecup _ </proc/uptime
    echo "$ecp $((${ecup%.*} + $2 + 1))" >"$ECT/w"
    wait "$ecp"
    ecrc=$?
    : >"$ECT/w"
    [ -e "$ECT/t.$ecp" ] && ecrc=124
  fi
  printf '\n%s E %s\n' "$ECMARK" "$1"; [ -s "$ECT/e" ] && head -c "$ECMAXERR" "$ECT/e"
  printf '\n%s R %s %s\n' "$ECMARK" "$1" "$ecrc"
}
# A probe whose subject is not installed (its `present` test is false): ABSENT, no subshell.
ecabsent() { printf '\n%s B %s\nABSENT\n\n%s E %s\n\n%s R %s 0\n' "$ECMARK" "$1" "$ECMARK" "$1" "$ECMARK" "$1"; }
ecany() { for ecf; do [ -x "$ecf" ] && return 0; done; return 1; }
ecend() { kill "$ECW" 2>/dev/null; rm -rf "$ECT"; }
# A small file printed by the shell itself (a cat would be an exec); nothing if unreadable.
eccat() { [ -r "$1" ] || return 0; while IFS= read -r ecl || [ -n "$ecl" ]; do printf '%s\n' "$ecl"; done <"$1"; }
# systemd as PID 1 notes its container in /run/systemd/container (read with a builtin);
# elsewhere systemd-detect-virt decides. Probes read the answer once per shell: $ECCONT.
eccontainer() {  # sets ECCONT itself: a $(...) around a function is a fork
  ECCONT=; { IFS= read -r ECCONT </run/systemd/container; } 2>/dev/null
  [ -n "$ECCONT" ] || ECCONT=$(systemd-detect-virt -c </dev/null 2>/dev/null)
  ECCONT=${ECCONT:-none}
}
