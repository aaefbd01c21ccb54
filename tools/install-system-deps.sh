#!/usr/bin/env bash
# Installs what docforge needs outside Python, from Debian's packages, when it is missing:
# LibreOffice Writer (headless PDF conversion), Noto CJK and Liberation fonts, poppler-utils, and
# the Fandol Fang Song and Kai faces (the free stand-ins for 仿宋_GB2312 and 楷体_GB2312; see
# docs/printing.md), taken from Debian's texlive-lang-chinese without installing TeX Live itself, and
# Chromium with its WebDriver (the web workbench's browser tests).
set -euo pipefail
PKGS="libreoffice-writer-nogui python3-uno fonts-noto-cjk fonts-liberation2 poppler-utils fontconfig chromium chromium-driver"
FANDOL_DIR=/usr/local/share/fonts/docforge-fandol
FANDOL_FACES="FandolFang-Regular.otf FandolKai-Regular.otf"

have_all() {
  local fonts
  command -v soffice >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 || return 1
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || return 1
  /usr/bin/python3 -c "import uno" >/dev/null 2>&1 || return 1  # LibreOffice's bridge: the converter pool
  fonts="$(fc-list 2>/dev/null || true)"  # not piped into grep -q: SIGPIPE would fail under pipefail
  [[ "$fonts" == *"Noto Serif CJK SC"* && "$fonts" == *"Liberation Serif"* && "$fonts" == *FandolFang* \
     && "$fonts" == *FandolKai* ]]
}

# The Fandol faces live in texlive-lang-chinese (about 50 MB, with TeX Live behind it): download the
# package alone and keep its two font files.
install_fandol() {
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && $SUDO apt-get download -qq texlive-lang-chinese >/dev/null 2>&1) || {
    echo "could not download texlive-lang-chinese (for the Fandol fonts)" >&2; rm -rf "$tmp"; return 1; }
  dpkg-deb --fsys-tarfile "$tmp"/texlive-lang-chinese_*.deb \
    | tar -x -C "$tmp" --wildcards '*/fandol/FandolFang-Regular.otf' '*/fandol/FandolKai-Regular.otf'
  $SUDO mkdir -p "$FANDOL_DIR"
  for face in $FANDOL_FACES; do $SUDO cp "$(find "$tmp" -name "$face" | head -n 1)" "$FANDOL_DIR/"; done
  rm -rf "$tmp"
  $SUDO fc-cache -f "$FANDOL_DIR" >/dev/null
}

if have_all; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "docforge needs LibreOffice and CJK fonts. Install the equivalents of: $PKGS" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "docforge needs: apt-get install $PKGS (run it as root, then re-run make)" >&2
    exit 1
  fi
fi
echo "Installing $PKGS and the Fandol fonts (Debian packages; a few minutes the first time) ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
[[ "$(fc-list 2>/dev/null || true)" == *FandolKai* ]] || install_fandol
have_all || { echo "installation finished but soffice or the fonts are still missing" >&2; exit 1; }
