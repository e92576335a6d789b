# shellcheck shell=sh
# Defines ecendpoint NAME HOST PORT SCHEME URL CAFILE: what this host gets from one endpoint
# (the app.endpoints probe), as key=value lines after "== NAME ==":
#   now (epoch), hosts (the /etc/hosts address of HOST, if any), dns (getent's addresses),
#   proxy (the proxy the host's environment sets for it), tcp (0 open, 124 timed out, else
#   refused) and tcp_ms, then for http(s) curl's http code, times, TLS verify result and
#   content type, and for https openssl's protocol, verify code and certificate dates.
ecendpoint() {
  echo "== $1 =="
  echo "now=$(date +%s)"
  echo "hosts=$(awk -v h="$2" '!/^[[:space:]]*#/ { for (i = 2; i <= NF; i++) if ($i == h) { print $1; exit } }' /etc/hosts 2>/dev/null)"
  echo "dns=$(getent ahosts "$2" 2>/dev/null | awk '{ print $1 }' | sort -u | tr '\n' ' ')"
  ecpx=
  case $4 in
    https) ecpx=${https_proxy:-${HTTPS_PROXY:-}} ;;
    http) ecpx=${http_proxy:-${HTTP_PROXY:-}} ;;
  esac
  echo "proxy=$ecpx"
  if [ -z "$ecpx" ] && command -v bash >/dev/null 2>&1; then
    ect0=$(date +%s%N)
    # shellcheck disable=SC2016 # $0 and $1 are bash's own arguments
    timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$2" "$3" 2>/dev/null
    echo "tcp=$?"
    echo "tcp_ms=$((($(date +%s%N) - ect0) / 1000000))"
  fi
  [ "$4" = tcp ] && return 0
  if command -v curl >/dev/null 2>&1; then
    ecw='http=%{http_code}\nconnect_s=%{time_connect}\ntls_s=%{time_appconnect}\ntotal_s=%{time_total}\ncurl_verify=%{ssl_verify_result}\ncontent_type=%{content_type}\n'
    curl --connect-timeout 5 -m 10 -o /dev/null -sS ${6:+--cacert "$6"} -w "$ecw" "$5" 2>&1 | sed 's/^curl: /curl_error=/'
  fi
  [ "$4" = https ] || return 0
  if command -v openssl >/dev/null 2>&1; then
    ecpa=; [ -n "$ecpx" ] && ecpa=$(echo "$ecpx" | sed 's#^[a-z]*://##; s#/.*##; s#^.*@##')
    ecout=$(timeout 10 openssl s_client -connect "$2:$3" -servername "$2" -verify_hostname "$2" \
      ${6:+-CAfile "$6"} ${ecpa:+-proxy "$ecpa"} </dev/null 2>&1)
    echo "$ecout" | sed -n 's/^ *Protocol *: */protocol=/p; s/^New, \(TLS[^,]*\),.*/protocol=\1/p; s/^Verify return code: /verify=/p'
    echo "$ecout" | openssl x509 -noout -enddate -subject 2>/dev/null | sed 's/^notAfter=/not_after=/'
  fi
}
