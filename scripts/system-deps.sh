#!/usr/bin/env bash
# Installs what the fidelity and browser tests drive: LibreOffice Calc
# (headless) and Chromium, from Debian's packages, when they are missing.
# Needs root and apt-get; otherwise it says what to install and the tests
# that need them skip (they fail instead under CI=true).
set -u
missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} (Debian packages) for the workbook and browser tests..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { echo "could not install ${missing[*]}"; [ "${CI:-}" = true ] && exit 1; }
else
    echo "not installing ${missing[*]}: run 'sudo apt-get install ${missing[*]}' to enable the LibreOffice and browser tests"
    [ "${CI:-}" = true ] && exit 1
fi
exit 0
