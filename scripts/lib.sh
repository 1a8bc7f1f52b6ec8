# Shared by scripts/serve and scripts/test: install what is missing, then build.
# Sourced, not run.

# System packages the build and the tests need (Debian names). Installed only when absent.
ensure_system_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "scripts: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
    fi
    command -v swift >/dev/null 2>&1 || { echo "scripts: Swift 6 toolchain not found (expected on PATH or /opt/swift)" >&2; exit 1; }
}

ensure_python_packages() {
    local missing=()
    for spec in "$@"; do
        python3 -c "import ${spec%%=*}" 2>/dev/null || missing+=("${spec#*=}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "scripts: pip installing ${missing[*]}" >&2
    python3 -m pip install -q "${missing[@]}"
}
