# shellcheck shell=sh
# Defines ecsources: where apt reads its packages from, as apt itself is configured (its own
# sourcelist and sourceparts settings, so a run pointed at an offline bundle shows that), the
# proxy apt uses for http, then one TCP try per place a download would go (the proxy for http
# when one is set, else each source's host): ectiers (set ECTCP and source tiers.sh first).
ecsources() {
  ECL=/etc/apt/sources.list; ECP=/etc/apt/sources.list.d/; ECX=
  eval "$(apt-config shell ECL Dir::Etc::sourcelist/f ECP Dir::Etc::sourceparts/d ECX Acquire::http::Proxy 2>/dev/null)"
  echo "== proxy =="
  echo "$ECX"
  echo "== sources =="
  ecuris=$( { [ -f "$ECL" ] && cat "$ECL"; for ecf in "$ECP"*.list; do [ -f "$ecf" ] && cat "$ecf"; done; } |
    sed 's/#.*//' | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i ~ /:/) { print $i; break } }'
    for ecf in "$ECP"*.sources; do [ -f "$ecf" ] && sed -n 's/^URIs:[[:space:]]*//p' "$ecf" | tr ' ' '\n'; done)
  echo "$ecuris" | awk 'NF && !seen[$0]++'
  echo "== tcp =="
  ectargets=$(printf '%s\n' "$ecuris" | awk -v proxy="$ECX" '
    NF == 0 { next }
    { u = $0; scheme = u; sub(/:.*/, "", scheme)
      if (scheme != "http" && scheme != "https") next
      if (scheme == "http" && proxy ~ /^http:\/\//) u = proxy
      sub(/^[a-zA-Z]+:\/\//, "", u); sub(/\/.*/, "", u); sub(/^.*@/, "", u)
      port = (scheme == "https") ? 443 : 80; host = u
      if (u ~ /:[0-9]+$/) { host = u; sub(/:[0-9]+$/, "", host); port = u; sub(/^.*:/, "", port) }
      if (!((host " " port) in tried)) { tried[host " " port] = 1; printf "apt %s %s ", host, port } }')
  set -f
  # shellcheck disable=SC2086 # NAME ADDRESS PORT triplets, split on purpose (globbing is off)
  [ -n "$ectargets" ] && ectiers $ectargets
  set +f
  echo "== local =="
  printf '%s\n' "$ecuris" | sed -n 's|^file:/*|/|p' | while read -r ecd; do
    if [ -d "$ecd" ]; then echo "$ecd|0"; else echo "$ecd|1"; fi
  done
}
