#!/usr/bin/env bash
# Print the absolute path of a Python interpreter >= 3.12 (the one triplewin needs).
#
# Search order:
#   1. python3.13, python3.12, python3, python on PATH
#   2. pyenv installs: $(pyenv root)/versions/*/bin/python3 (or ~/.pyenv/versions/...),
#      newest version first
# Each candidate is actually run, because pyenv shims exist on PATH even when
# they cannot run (or resolve to an older version).
# Override: set TRIPLEWIN_PYTHON=/path/to/python to skip the search.
set -u

MIN_MAJOR=3
MIN_MINOR=12

# Run a candidate; on success print its real sys.executable and return 0.
check() {
    local cand=$1 exe
    exe=$("$cand" -c "import sys
if sys.version_info[:2] >= ($MIN_MAJOR, $MIN_MINOR):
    print(sys.executable)
else:
    raise SystemExit(1)" 2>/dev/null) || return 1
    [ -n "$exe" ] && [ -x "$exe" ] || return 1
    printf '%s\n' "$exe"
}

if [ -n "${TRIPLEWIN_PYTHON:-}" ]; then
    if check "$TRIPLEWIN_PYTHON"; then exit 0; fi
    echo "TRIPLEWIN_PYTHON=$TRIPLEWIN_PYTHON is not a working Python >= $MIN_MAJOR.$MIN_MINOR" >&2
    exit 1
fi

# 1. PATH
for name in python3.13 python3.12 python3 python; do
    cand=$(command -v "$name" 2>/dev/null) || continue
    if check "$cand"; then exit 0; fi
done

# 2. pyenv-managed installs, newest first
root=
if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root 2>/dev/null) || root=
fi
if [ -z "$root" ] && [ -n "${HOME:-}" ]; then
    root=$HOME/.pyenv
fi
if [ -n "$root" ] && [ -d "$root/versions" ]; then
    # Names like 3.13.0, 3.12.1; sort -V puts the newest last, so reverse it.
    while IFS= read -r ver; do
        cand=$root/versions/$ver/bin/python3
        [ -x "$cand" ] || continue
        if check "$cand"; then exit 0; fi
    done < <(ls -1 "$root/versions" 2>/dev/null | sort -rV)
fi

cat >&2 <<MSG
triplewin needs Python $MIN_MAJOR.$MIN_MINOR or newer; none was found on PATH or in pyenv.
Install one, e.g. \`pyenv install 3.12\` or your OS package python3.12, then run make again.
(Or point TRIPLEWIN_PYTHON at an existing interpreter.)
MSG
exit 1
