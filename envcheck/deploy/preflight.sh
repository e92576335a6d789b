# shellcheck shell=sh
# The deploy preflight's probe (envcheck/deploy/preflight.py), run inside the probe prelude.
# Fixed text; before it, probe.py's assignment of ecpq (the Python snippet every interpreter
# runs: its version and which bindings it imports); after it, one `ecpy d|r NAME` line per
# candidate (d: Ansible's discovery order, r: looked at for the bindings only).
# Output: pm|apt or dnf or yum, os|PRETTY_NAME, then per interpreter found
#   py|d or r|NAME|PATH|major.minor.micro|apt|dnf|yum   (the version ? when it does not run)
: "${ecpq:?}"
for m in apt-get dnf yum; do
  if command -v "$m" >/dev/null 2>&1; then echo "pm|${m%-get}"; break; fi
done
n=
# shellcheck disable=SC1091
[ -r /etc/os-release ] && n=$(. /etc/os-release 2>/dev/null; echo "$PRETTY_NAME")
echo "os|$n"
ecpy() {
  case $2 in
    /*) [ -x "$2" ] || return 0; f=$2;;
    *) f=$(command -v "$2" 2>/dev/null) || return 0;;
  esac
  o=$("$f" -c "$ecpq" </dev/null 2>/dev/null | head -n 1)
  printf 'py|%s|%s|%s|%s\n' "$1" "$2" "$f" "${o:-?}"
}
