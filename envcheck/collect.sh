# shellcheck shell=sh
# The fixed part of `envcheck collect`'s remote script (envcheck/collect.py). Set before it,
# as quoted assignments: CAP (bytes kept of a file or a command's output) and ECBEGIN/ECEND
# (the lines the tar travels between). After it come the area's `grab` and `cmd` lines,
# then `ship`.
set -u
: "${CAP:?}" "${ECBEGIN:?}" "${ECEND:?}"
umask 077
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH LC_ALL=C.UTF-8
D=$(mktemp -d) || exit 97
trap 'rm -rf "$D"' EXIT
M="$D/manifest.tsv"; : > "$M"
TO=; command -v timeout >/dev/null 2>&1 && TO="timeout -k 2 20"
# one KIND FILE: copy FILE (its head, or for a log its tail, to $CAP) and note it.
one() {
  case "$2" in *.key|*.keys|*.keytab|*.pem|*.p12|*.pfx|*.jks|*.keystore|*id_rsa*|*id_ed25519*)
    printf 'skipped\tkey-material\t-\t%s\n' "$2" >> "$M"; return;; esac
  [ -r "$2" ] || { printf 'skipped\tunreadable\t-\t%s\n' "$2" >> "$M"; return; }
  dest="$D/files$2"; mkdir -p "$(dirname "$dest")"
  size=$(wc -c < "$2")
  if [ "$1" = log ]; then tail -c "$CAP" "$2" > "$dest"; else head -c "$CAP" "$2" > "$dest"; fi
  if [ "$size" -gt "$CAP" ]; then cut='cut'; else cut='whole'; fi
  printf '%s\t%s\t%s\t%s\n' "$1" "$cut" "$size" "$2" >> "$M"
}
# grab KIND PATTERN...: the files the patterns name, and those in the folders they name.
grab() {
  kind=$1; shift
  # The patterns are globs, expanded here on purpose.
  # shellcheck disable=SC2086
  for pat in "$@"; do for f in $pat; do
    if [ -d "$f" ]; then
      if [ "$kind" = log ]; then
        find -L "$f" -maxdepth 3 -type f ! -name '*.gz' ! -name '*.xz' ! -name '*.bz2' ! -name '*.[0-9]' \
          -mtime -8 2>/dev/null | head -n 200
      else
        find -L "$f" -maxdepth 4 -type f 2>/dev/null | head -n 400
      fi | while IFS= read -r g; do one "$kind" "$g"; done
    elif [ -f "$f" ]; then one "$kind" "$f"; fi
  done; done
}
# cmd NAME COMMAND: the command's output (to $CAP), bounded by timeout(1) where there is one.
cmd() {
  mkdir -p "$D/commands"
  # $TO is empty or the words of a timeout command.
  # shellcheck disable=SC2086
  $TO sh -c "$2" </dev/null 2>&1 | head -c "$CAP" > "$D/commands/$1.txt"
}
# The tar, base64 between the marker lines: whatever a login profile prints around it is ignored.
ship() {
  echo "$ECBEGIN"
  tar -C "$D" -czf - . | base64
  echo "$ECEND"
}
