#!/usr/bin/env bash
# Installs what the fidelity and browser tests drive, when it is missing:
# LibreOffice Calc (headless), Gnumeric (ssconvert), Node.js with npm,
# Chromium, poppler-utils (pdftotext, pdftoppm: the print tests read and
# render the PDFs LibreOffice exports) and a C compiler (gcc: the engine's
# kernels) from Debian's packages; then HyperFormula and exceljs from the npm
# registry into scripts/hyperformula/node_modules (npm ci: the versions of its
# committed package-lock.json).
# Debian packages need root and apt-get; otherwise it says what to install and
# the tests that need them skip (they fail instead under CI=true).
set -u
cd "$(dirname "$0")/.."
ci() { [ "${CI:-}" = true ]; }
status=0

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v ssconvert >/dev/null 2>&1 || missing+=(gnumeric)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
# A C compiler builds the engine's kernels (econ.model.kernel); without one
# econ evaluates with numpy alone and the kernel tests skip.
command -v "${CC:-cc}" >/dev/null 2>&1 || missing+=(gcc libc6-dev)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${missing[*]} (Debian packages) for the workbook and browser tests..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || { echo "could not install ${missing[*]}"; ci && status=1; }
    else
        echo "not installing ${missing[*]}: run 'sudo apt-get install ${missing[*]}' to enable the workbook and browser tests"
        ci && status=1
    fi
fi

# HyperFormula: reinstalled when package-lock.json is newer than the install.
hf=scripts/hyperformula
stamp=$hf/node_modules/.econ-installed
if [ ! -f "$stamp" ] || [ "$hf/package-lock.json" -nt "$stamp" ] || [ "$hf/package.json" -nt "$stamp" ]; then
    if command -v npm >/dev/null 2>&1; then
        echo "installing HyperFormula for the workbook tests (npm ci in $hf)..."
        if npm ci --prefix "$hf" --no-audit --no-fund --loglevel=error >/dev/null; then
            touch "$stamp"
        else
            echo "npm ci in $hf failed"
            ci && status=1
        fi
    else
        echo "not installing HyperFormula: npm is missing (apt-get install nodejs npm)"
        ci && status=1
    fi
fi
exit $status
