# shellcheck shell=sh
# Defines ecendpoint NAME HOST PORT SCHEME URL CAFILE: what this host gets from one endpoint
# (the app.endpoints probe), as key=value lines after "== NAME ==":
#   now (epoch), hosts (the /etc/hosts address of HOST, if any), dns (getent's addresses),
#   proxy (the proxy the host's environment sets for it), tcp (0 open, 124 timed out, else
#   refused), tcp_ms and tcp_error (why not, in bash's words: then nothing more is tried),
#   then for http(s) curl's http code, times, TLS verify result and content type, and for
#   https openssl's protocol, verify code and certificate dates.
# The shell's builtins where they do (the session's clock line, /etc/hosts read line by line,
# getent's answer split by the shell, bash timing its own connect): an endpoint costs getent,
# timeout and bash, then curl and openssl only once its port has answered.

echosts() {  # echosts NAME: the first address /etc/hosts lists NAME under
  [ -r /etc/hosts ] || return 0
  while read -r eca ecn || [ -n "$eca" ]; do
    case $eca in '' | '#'*) continue ;; esac
    for ecw in $ecn; do
      case $ecw in '#'*) break ;; "$1") echo "$eca"; return 0 ;; esac
    done
  done </etc/hosts
}

ecdns() {  # ecdns NAME: getent's addresses of NAME, each once, in its order (an IPv4 address: itself)
  case $1 in *[!0-9.]* | '') ;; *.*.*.*) echo "$1 "; return 0 ;; esac
  ecd='' ecp=''
  for ecw in $(getent ahosts "$1" 2>/dev/null); do
    case $ecw in
      STREAM | DGRAM | RAW) case " $ecd" in *" $ecp "*) ;; *) ecd="$ecd$ecp " ;; esac ;;
    esac
    ecp=$ecw
  done
  echo "$ecd"
}

ecendpoint() {
  set -f  # words are split below, never globbed (the probe's own subshell)
  echo "== $1 =="
  case ${ECNOW:-} in [0-9]*) echo "now=${ECNOW%%.*}" ;; *) echo "now=$(date +%s)" ;; esac
  echo "hosts=$(echosts "$2")"
  echo "dns=$(ecdns "$2")"
  ecpx=
  case $4 in
    https) ecpx=${https_proxy:-${HTTPS_PROXY:-}} ;;
    http) ecpx=${http_proxy:-${HTTP_PROXY:-}} ;;
  esac
  echo "proxy=$ecpx"
  if [ -z "$ecpx" ] && command -v bash >/dev/null 2>&1; then
    # bash times its own connect (EPOCHREALTIME, bash 5; date before) and prints ms=, else
    # its words for the failure ("connect: Connection refused").
    # shellcheck disable=SC2016 # $0, $1 and the rest are bash's own
    ecerr=$(timeout 5 bash -c 'u() { if [ -n "$EPOCHREALTIME" ]; then e=${EPOCHREALTIME/./}; else e=$(($(date +%s%N) / 1000)); fi; }
      u; s=$e; exec 3<>"/dev/tcp/$0/$1" || exit; u; echo "ms=$(((e - s) / 1000))"' "$2" "$3" 2>&1)
    ectcp=$?
    echo "tcp=$ectcp"
    case $ecerr in ms=*) echo "tcp_ms=${ecerr#ms=}" ;; esac
    [ "$ectcp" = 0 ] || { echo "tcp_error=${ecerr##*: }"; return 0; }
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
