# Shared by scripts/setup, scripts/test and scripts/develop: find Python 3.13 and
# keep the virtual environments up to date. Sourced, not executed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

find_python313() {
    local candidate
    # A pyenv shim answers `command -v` even when 3.13 is not active, so run it.
    if candidate="$(command -v python3.13 2>/dev/null)" && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then
        echo "$candidate"
        return 0
    fi
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in "$(pyenv root)"/versions/3.13.*/bin/python; do
            if [ -x "$candidate" ]; then
                echo "$candidate"
                return 0
            fi
        done
    fi
    for candidate in "$HOME"/.pyenv/versions/3.13.*/bin/python /usr/local/bin/python3.13 /usr/bin/python3.13; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# ensure_venv DIR REQUIREMENTS_FILE [extra pip args...]
# Creates DIR with Python 3.13 and installs the project plus REQUIREMENTS_FILE into it.
# Skips the install when nothing it depends on changed since the last successful one.
ensure_venv() {
    local venv="$1" requirements="$2"
    shift 2
    local stamp="$venv/.stream-workflows-stamp"
    local wanted
    wanted="$(cat "$REPO_ROOT/pyproject.toml" "$REPO_ROOT/requirements/"*.txt | sha256sum | cut -d' ' -f1) $*"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x "$venv/bin/python" ]; then
        return 0
    fi
    local python
    if ! python="$(find_python313)"; then
        echo "error: Python 3.13 is needed and none was found." >&2
        echo "       Looked for python3.13 on PATH and for \$(pyenv root)/versions/3.13.*/bin/python." >&2
        echo "       Install it (for example: pyenv install 3.13) and run this again." >&2
        exit 1
    fi
    echo "Setting up $venv with $python ..." >&2
    if [ ! -x "$venv/bin/python" ]; then
        "$python" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | grep -v "is ignored: it is neither" >&2 || true
    # pip warns about every missing local mirror folder; keep the output readable.
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" \
        -r "$REPO_ROOT/$requirements" 2> >(grep -v "is ignored: it is neither" >&2); then
        echo "error: installing $requirements into $venv failed (see above)." >&2
        exit 1
    fi
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
        --no-build-isolation --config-settings editable_mode=compat -e "$REPO_ROOT" \
        2> >(grep -v "is ignored: it is neither" >&2); then
        echo "error: installing the project into $venv failed (see above)." >&2
        exit 1
    fi
    echo "$wanted" >"$stamp"
}
