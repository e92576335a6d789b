# shellcheck shell=sh
# Defines ecconfig PATH...: each application config file, its secrets masked on the host before
# anything leaves it (password=, password="...", ://user:pw@, &password=), as base64 after
# "== PATH ==" (the bytes as they are: a GBK file stays GBK), or MISSING; then the lines that set
# NLS_LANG in the service environment files.
ecconfig() {
  for ecf in "$@"; do
    echo "== $ecf =="
    if [ -f "$ecf" ] && [ -r "$ecf" ]; then
      LC_ALL=C sed -E \
        -e 's/([A-Za-z0-9_.-]*(password|passwd|pwd|secret|token)[A-Za-z0-9_.-]*[[:space:]]*=[[:space:]]*")[^"]*"/\1********"/Ig' \
        -e "s/([A-Za-z0-9_.-]*(password|passwd|pwd|secret|token)[A-Za-z0-9_.-]*[[:space:]]*=[[:space:]]*')[^']*'/\1********'/Ig" \
        -e 's/^([[:space:]]*(export[[:space:]]+)?[A-Za-z0-9_.-]*(password|passwd|pwd|secret|token)[A-Za-z0-9_.-]*[[:space:]]*[=:][[:space:]]*)[^"'"'"'[:space:]].*$/\1********/I' \
        -e 's/([?&;](password|pwd)=)[^&;"'"'"'<[:space:]]*/\1********/Ig' \
        -e 's#(://[^/:@[:space:]]+:)[^@/[:space:]]+@#\1********@#g' "$ecf" | base64 | tr -d '\n'
      echo
    else
      echo MISSING
    fi
  done
  echo "== NLS_LANG =="
  grep -sH 'NLS_LANG=' /etc/environment /etc/default/tomcat* /etc/sysconfig/tomcat* \
    /etc/systemd/system/tomcat*.service /etc/systemd/system/tomcat*.service.d/*.conf 2>/dev/null
  true
}
