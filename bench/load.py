"""Drive one URL with wrk and read throughput and latency percentiles from its output.

wrk prints Requests/sec and, with --latency, the 50/75/90/99 % latencies; the Lua `done`
hook in report.lua adds one line with the exact percentiles in microseconds, p95 included.
Both are parsed; the table uses the Lua line and keeps wrk's own text as a cross-check.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

LUA = Path(__file__).with_name("report.lua")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


@dataclass
class WrkResult:
    """One wrk run. Latencies in milliseconds."""

    name: str
    url: str
    connections: int
    duration_s: float
    requests: int = 0
    rps: float = 0.0
    mean_ms: float = 0.0
    p50_ms: float = 0.0
    p75_ms: float = 0.0
    p90_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    non_2xx: int = 0
    text_percentiles_ms: dict[str, float] = field(default_factory=dict)
    text_rps: float = 0.0
    # Server CPU (all gunicorn processes) during the run, per request completed in it:
    # the cost of a request, whatever else the shared machine was doing.
    server_cpu_ms_per_request: float | None = None
    load_average: float | None = None

    @property
    def failed(self) -> int:
        return sum(self.errors.values()) + self.non_2xx

    def as_dict(self) -> dict:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, float):
                data[key] = round(value, 3)
        return data

    def cell(self) -> str:
        """Compact table cell: req/s and p50/p90/p95/p99 in ms."""
        if not self.requests:
            return f"no response in {self.duration_s:g} s" + (
                f" ({self.failed} err)" if self.failed else "")
        text = (f"{self.rps:7.1f}/s {_ms(self.p50_ms)}/{_ms(self.p90_ms)}/"
                f"{_ms(self.p95_ms)}/{_ms(self.p99_ms)}")
        if self.server_cpu_ms_per_request is not None:
            text += f" cpu {_ms(self.server_cpu_ms_per_request)}"
        return text + (f" ({self.failed} err)" if self.failed else "")


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _to_ms(number: str, unit: str) -> float:
    return float(number) * _UNITS_MS[unit]


def parse(output: str, result: WrkResult) -> WrkResult:
    """Fill `result` from wrk's stdout (Lua line first, text as fallback and cross-check)."""
    for label, number, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$",
                                          output, re.MULTILINE):
        result.text_percentiles_ms[f"p{label}"] = round(_to_ms(number, unit), 3)
    match = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if match:
        result.text_rps = float(match.group(1))
    match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result.non_2xx = int(match.group(1)) if match else 0
    match = re.search(r"^BENCH (.*)$", output, re.MULTILINE)
    if match:
        values = {k: float(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
        result.requests = int(values["requests"])
        result.rps = values["requests"] / (values["duration_us"] / 1e6)
        for name in ("mean", "p50", "p75", "p90", "p95", "p99", "max"):
            setattr(result, f"{name}_ms", values[f"{name}_us"] / 1000)
        # "status" counts the same non-2xx/3xx responses as the text line: keep them once
        result.errors = {k: int(values[k]) for k in ("connect", "read", "write", "timeout")}
    else:  # no Lua line (should not happen): fall back to the text
        result.rps = result.text_rps
        for name, value in result.text_percentiles_ms.items():
            setattr(result, f"{name}_ms", value)
    return result


def run_wrk(name: str, url: str, *, duration_s: float, connections: int = 16, threads: int = 2,
            timeout_s: float = 30, bust: bool = False) -> WrkResult:
    """`wrk -t2 -c16 -d<duration> --latency` on `url`. The per-request timeout is long so
    that slow responses are measured instead of being dropped as socket timeouts. `bust`
    adds a random `_=` parameter to every request (the register ignores unknown parameter
    names), so no request finds a kept page: the rendering path's own cost."""
    threads = min(threads, connections)
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration_s:g}s", "--latency",
               "--timeout", f"{timeout_s:g}s", "-s", str(LUA), url]
    env = {**os.environ, "BENCH_BUST": "1" if bust else ""}
    completed = subprocess.run(command, capture_output=True, text=True, check=False,
                               timeout=duration_s + timeout_s + 30, env=env)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    result = WrkResult(name=name, url=url, connections=connections, duration_s=duration_s)
    return parse(completed.stdout, result)
