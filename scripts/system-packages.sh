#!/usr/bin/env bash
# Install the Debian packages Réciproque needs, when some are missing.
#
#   scripts/system-packages.sh venv   python3 and its venv module (to create .venv)
#   scripts/system-packages.sh run    what WeasyPrint needs to draw PDFs (make run)
#   scripts/system-packages.sh test   that, plus chromium (browser journeys) and poppler-utils
#                                     (pdfsig checks the signed PDFs as a reader nobody here
#                                     wrote; the tests read PDF text with pypdf)
#
# Quick when everything is there (one dpkg-query, nothing else). Missing packages are
# installed with apt-get as root, or through sudo. SKIP_SYSTEM_PACKAGES=1 skips it all.
set -euo pipefail

set_name="${1:-test}"
case "$set_name" in
  venv | run | test) ;;
  *) echo "usage: $0 [venv|run|test]" >&2; exit 2 ;;
esac
[[ "${SKIP_SYSTEM_PACKAGES:-}" == 1 ]] && exit 0

if ! command -v dpkg >/dev/null 2>&1; then
  # Not Debian: nothing to check here; say once what the tests expect.
  [[ "$set_name" == test ]] && echo "system-packages: no dpkg here; make sure Pango," \
    "DejaVu fonts and chromium are installed." >&2
  exit 0
fi

missing=()
case "$set_name" in
  venv)
    if ! command -v python3 >/dev/null 2>&1; then
      missing+=(python3 python3-venv)
    elif ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
      missing+=(python3-venv)  # Debian's python3 cannot create a venv without it
    fi
    wanted=() ;;
  run) wanted=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core) ;;
  test) wanted=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium poppler-utils) ;;
esac
if ((${#wanted[@]})); then
  installed=" $(dpkg-query -W -f='${db:Status-Status}:${Package} ' "${wanted[@]}" 2>/dev/null || true)"
  for package in "${wanted[@]}"; do
    [[ "$installed" == *" installed:$package "* ]] || missing+=("$package")
  done
fi
((${#missing[@]})) || exit 0

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  # Ask for a password only when someone can type it.
  if [[ -t 0 ]]; then as_root=(sudo); else as_root=(sudo -n); fi
else
  echo "system-packages: missing ${missing[*]}, and this is neither root nor sudo." >&2
  echo "  Install them as root:  apt-get install ${missing[*]}" >&2
  echo "  (or set SKIP_SYSTEM_PACKAGES=1 to go on without them)" >&2
  exit 1
fi

echo "system-packages: installing ${missing[*]}"
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
  || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq "${missing[@]}" >/dev/null; then
  echo "system-packages: could not install ${missing[*]} (apt-get says why above)." >&2
  echo "  Install them as root:  apt-get install ${missing[*]}" >&2
  exit 1
fi
