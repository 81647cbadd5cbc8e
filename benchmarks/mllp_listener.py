"""`make bench` (and `make bench-mllp` alone): the MLLP listener's messages/s with a local sender.

Starts `mymedic adt listen` as its own process on a free loopback port with a fresh spool, then sends
--messages ADT messages from --senders concurrent python-hl7 MLLP connections (each waits for its ACK
before sending the next: MLLP's original mode, what HIS interface engines do; none pipelines) and prints
the figures: messages/s, ACK latency percentiles, what the spool holds. The listener writes its operational
events (ingestion/mllp/ops_events.py) every second, as a deployed one does every minute. Every message must get AA and be
stored (else the bench fails); the rate is printed, never asserted. Each AA follows its batch's append to
the spool segment and fdatasync (group commit across connections), so the figure depends on the disk's
fsync and on how many connections there are to fill a batch. The sender runs on uvloop, like the listener,
and shares the machine's cores with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import uvloop
from hl7.mllp import open_hl7_connection

from benchmarks.loopback import percentile
from ingestion.mllp.spool import spool_folder, spooled_messages


def message(sender: int, i: int) -> bytes:
    control_id = f"B{sender}-{i}"
    return (
        f"MSH|^~\\&|HIS{sender}|CITY|MM|MM|20261103100000+0530||ADT^A01^ADT_A01|{control_id}|P|2.5.1\r"
        "EVN|A01|20261103100000+0530\r"
        f"PID|1||MRN{i}^^^CITY^MR~91-1234-5678-{i % 10000:04d}^^^ABHA^ABHA||SHARMA^ASHA||19800101|F\r"
        f"PV1|1|I|W1^101^A^CITY||||D042^RAO^VIKRAM|||MED|||||||||V{control_id}\r"
    ).encode()


async def sender(port: int, number: int, count: int, latencies: list[float]) -> int:
    frames = [message(number, i) for i in range(count)]
    reader, writer = await open_hl7_connection("127.0.0.1", port)
    accepted = 0
    try:
        for frame in frames:
            started = time.perf_counter()
            writer.writeblock(frame)
            await writer.drain()
            ack = await reader.readblock()
            latencies.append(time.perf_counter() - started)
            accepted += ack.split(b"\r")[1].startswith(b"MSA|AA|")
    finally:
        writer.close()
    return accepted


def start(data: Path) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mymedic.cli",
            "adt",
            "listen",
            "--port",
            "0",
            "--data-dir",
            str(data),
            "--ops-interval",
            "1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("listening on "):
        raise SystemExit(f"the listener did not start: {line!r}")
    return process, int(line.split(":")[1].split(",")[0])


TARGET_PER_SECOND = 20_000


@dataclass(frozen=True)
class MllpRun:
    messages: int
    senders: int
    accepted: int
    stored: int
    seconds: float
    listener_cpu: float
    listener_system: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def text(self) -> str:
        return (
            f"{self.messages:,} ADT messages from {self.senders} concurrent senders over loopback: "
            f"{self.per_second:,.0f} messages/s ({self.seconds:.2f} s), each AA after a durable write; "
            f"ACK latency p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms; listener CPU {self.listener_cpu:.2f} s "
            f"({self.listener_cpu / self.messages * 1e6:.0f} us/message, system {self.listener_system:.2f} s; "
            f"{self.messages / self.listener_cpu if self.listener_cpu else 0:,.0f} msgs per listener CPU second); "
            f"{self.accepted} AA, {self.stored} messages in the spool"
        )


def run(data: Path, messages: int, senders: int = 128) -> MllpRun:
    """Start the listener on a fresh spool under `data`, send, stop it; every message must be AA and stored."""
    if spool_folder(data).exists():
        shutil.rmtree(spool_folder(data))
    # a data directory names its tenant: the listener writes its operational events (every second here)
    (data / "reference").mkdir(parents=True, exist_ok=True)
    (data / "reference" / "branches.csv").write_text(
        "tenant_id,branch_id,branch_name,city,state\nt_bench,BLR01,Bench,Bengaluru,KA\n"
    )
    process, port = start(data)
    per_sender = messages // senders
    latencies: list[float] = []

    async def send_all() -> list[int]:
        return await asyncio.gather(*(sender(port, s, per_sender, latencies) for s in range(senders)))

    try:
        began = time.perf_counter()
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            accepted = sum(runner.run(send_all()))
        seconds = time.perf_counter() - began
        cpu = psutil.Process(process.pid).cpu_times()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    total = per_sender * senders
    stored = len({message for _, message in spooled_messages(data)})  # published when the listener stopped
    latencies.sort()
    result = MllpRun(
        total, senders, accepted, stored, seconds, cpu.user + cpu.system, cpu.system,
        percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000,
    )  # fmt: skip
    if accepted != total or stored != total:
        raise SystemExit(f"not every message was acknowledged and stored: {result.text()}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--senders", type=int, default=128, help="concurrent MLLP connections")
    parser.add_argument("--workdir", type=Path, help="spool parent (default: a temporary folder, removed)")
    args = parser.parse_args()
    data = args.workdir or Path(tempfile.mkdtemp(prefix="mllp-bench-"))
    try:
        result = run(data, args.messages, args.senders)
    finally:
        if not args.workdir:
            shutil.rmtree(data)
    print(f"MLLP listener: {result.text()}; {os.cpu_count()} CPUs; target >= {TARGET_PER_SECOND:,} msgs/s")


if __name__ == "__main__":
    main()
