# shellcheck shell=sh
# Defines ecproxy URL...: this web host's proxy configuration (the upstream, server and
# proxy_pass directives of `nginx -T`, wherever they stand on a line, comments left out;
# Apache's ProxyPass, ProxyPassMatch and BalancerMember lines), every host:port it names tried over TCP from here (ectiers: set ECTCP and source tiers.sh
# first), then each health URL asked through the proxy: URL|HTTP code|Content-Type.
ecproxy() {
  ecpl=$( { nginx -T 2>/dev/null; for ecd in /etc/apache2 /etc/httpd; do [ -d "$ecd" ] &&
    grep -rhsE '^[[:space:]]*(ProxyPass|ProxyPassMatch|BalancerMember)[[:space:]]' "$ecd"; done; } |
    sed 's/#.*//' | grep -oE '(^|[;{[:space:]])(upstream|server|proxy_pass|ProxyPass|ProxyPassMatch|BalancerMember)[[:space:]]+[^;{]*' |
    sed -E 's/^[;{[:space:]]+//; s/[[:space:]]+$//' | awk 'NF >= 2')
  echo "== config =="
  echo "$ecpl"
  echo "== tcp =="
  ectargets=$(echo "$ecpl" | awk '
    { t = "" }
    $1 == "server" { t = $2 }
    $1 != "server" && $1 != "upstream" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-zA-Z]+:\/\//) { t = $i; break } }
    t == "" { next }
    { scheme = "http"
      if (t ~ /:\/\//) { scheme = t; sub(/:\/\/.*/, "", scheme); sub(/^[a-zA-Z]+:\/\//, "", t) }
      if (scheme == "balancer") next  # a balancer of Apache: its members are BalancerMember lines
      sub(/\/.*/, "", t); sub(/^.*@/, "", t)
      port = (scheme == "https" ? 443 : (scheme == "ajp" ? 8009 : 80)); host = t
      if (t ~ /^unix:/ || t == "") next
      if (t ~ /:[0-9]+$/) { host = t; sub(/:[0-9]+$/, "", host); port = t; sub(/^.*:/, "", port) }
      gsub(/[][]/, "", host)
      if (!((host " " port) in seen)) { seen[host " " port] = 1; printf "%s %s %s ", host, host, port } }')
  set -f
  # shellcheck disable=SC2086 # NAME ADDRESS PORT triplets, split on purpose (globbing is off)
  [ -n "$ectargets" ] && ectiers $ectargets
  set +f
  echo "== health =="
  for ecu in "$@"; do
    printf '%s|%s\n' "$ecu" "$(curl -sS -o /dev/null -m 10 -w '%{http_code}|%{content_type}' "$ecu" 2>&1 | tr '\n' ' ')"
  done
}
