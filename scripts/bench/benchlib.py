"""What the benchmark scripts share: finding the replyd binary and its build type, machine and
process CPU accounting, percentiles and ratios, the lenient E.164 form, child-process hygiene and
installing a reference's Python package, and a local DNS server that publishes the senders' SPF
records. Python 3.11 standard library only."""
from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def build_type(path: Path) -> str:
    """'debug', 'release' or 'unknown' (a copy the size of one of the project's builds counts as it)."""
    resolved = str(path.resolve())
    if "/debug/" in resolved:
        return "debug"
    if "/release/" in resolved:
        return "release"
    size = path.stat().st_size
    for kind, candidate in (("debug", REPO / ".build" / "debug" / "replyd"),
                            ("release", REPO / ".build-release" / "release" / "replyd")):
        try:
            if candidate.stat().st_size == size:
                return kind
        except OSError:
            pass
    return "unknown"


def pick_binary(arg: str | None, tool: str) -> tuple[Path, str, bool]:
    """(path, build type, chosen by default): `--binary`, else the release build, else the debug one."""
    if arg:
        path = Path(arg).resolve()
    else:
        release = REPO / ".build-release" / "release" / "replyd"
        path = release if release.exists() else REPO / ".build" / "debug" / "replyd"
    if not path.exists():
        sys.exit(f"{tool}: no replyd binary at {path} (build it, or pass --binary)")
    return path, build_type(path), arg is None


def staleness(binary: Path) -> str:
    newest = max((p.stat().st_mtime for p in (REPO / "Sources").rglob("*.swift")), default=0)
    built = binary.stat().st_mtime
    if built < newest:
        return f"older than the newest source file by {int(newest - built)} s (may be stale)"
    return "newer than every source file"


def machine_busy_seconds() -> float:
    """CPU seconds spent busy on the whole machine (all cores) since boot, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / CLK_TCK


def cpu_seconds(pid: int, missing: float = float("nan")) -> float:
    """User + system CPU seconds of a process, `missing` when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return missing


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")


def fmt(x, digits: int = 1) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def e164(value: str, country_code: str) -> str | None:
    """A lenient E.164 normalisation: '+48 600-100-200', '0048600100200', '600100200' -> '+48600100200'."""
    number = re.sub(r"[\s\-().]", "", value)
    if number.startswith("00"):
        number = "+" + number[2:]
    if number.startswith("+"):
        digits = number[1:]
    else:
        digits = country_code + number if len(number) == 9 else number
    if not digits.isdigit() or not 8 <= len(digits) <= 15 or not digits.isascii():
        return None
    return "+" + digits


def die_with_parent() -> None:
    """preexec_fn: the child gets SIGTERM if this script dies without stopping it (Linux prctl)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort; the normal path stops children explicitly
        pass


def ensure_package(module: str, tool: str, install: bool, pip_name: str | None = None) -> str:
    """Imports `module`, installing `pip_name` with pip first when it is missing and `install`;
    returns its version."""
    pip_name = pip_name or module
    try:
        imported = __import__(module)
    except ImportError:
        if not install:
            sys.exit(f"{tool}: the reference needs {pip_name}: python3 -m pip install {pip_name}")
        print(f"{tool}: {pip_name} missing, installing it: python3 -m pip install {pip_name}", flush=True)
        try:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", pip_name], check=False, timeout=300)
        except subprocess.TimeoutExpired:
            pass
        try:
            imported = __import__(module)
        except ImportError:
            sys.exit(f"{tool}: could not install {pip_name}; install it with: python3 -m pip install {pip_name}")
    return getattr(imported, "__version__", "?")


_LOCAL_DNS: dict = {}


def spf_dns(domains=()) -> str:
    """HOST:PORT of a local DNS server (tests/e2e/dns_server.py, one per set of domains and process) on
    which each of `domains` publishes `v=spf1 ip4:127.0.0.0/8 -all`: replyd's SPF check (on by default)
    then runs in full and passes for the benchmark's loopback senders, instead of asking the machine's
    resolver about made-up domains. Every other name is NXDOMAIN (with no domains, every name)."""
    key = tuple(sorted(set(domains)))
    if key not in _LOCAL_DNS:
        sys.path.insert(0, str(REPO / "tests" / "e2e"))
        from dns_server import DNSServer  # noqa: PLC0415 - only the benchmarks that run replyd need it
        _LOCAL_DNS[key] = DNSServer({domain: {"TXT": ["v=spf1 ip4:127.0.0.0/8 -all"]} for domain in key}).start()
    return _LOCAL_DNS[key].address
