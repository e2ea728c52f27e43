#!/bin/bash
# Installs the Debian packages a test needs when they are missing (apt-get, as root or with
# sudo -n; the package lists are updated once when the first attempt fails):
#   bash jobs/install_packages.sh PACKAGE...
# Exit status 0 (installed or already there); 3 when they cannot be installed here (no apt-get,
# no root or sudo, apt-get failed: the reason is printed), which tests turn into a skip.
set -uo pipefail
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cannot() {
  echo "install_packages.sh: $*" >&2
  exit 3
}
command -v apt-get >/dev/null || cannot "apt-get not found: install ${missing[*]} by hand"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || cannot "installing ${missing[*]} needs root or sudo"
  sudo=(sudo -n)
fi
echo "install_packages.sh: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" > "$log" 2>&1; then
  "${sudo[@]}" apt-get update -qq >> "$log" 2>&1 || true
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >> "$log" 2>&1 ||
    { tail -5 "$log" >&2; cannot "apt-get could not install ${missing[*]}"; }
fi
exit 0
