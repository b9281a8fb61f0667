"""Booting an image under QEMU's microvm machine and collecting what the guest reports.

The console (COM1) is QEMU's stdout, so the app's output streams straight to
ours. The control channel (COM2) is a Unix socket QEMU connects to; a thread
reads its records: syscall traces are echoed to stderr as they come, the
rest (exit status, panic, backtrace, statistics) is returned. The other way,
another thread sends the app's stdin, when there is one, in input frames.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from unipython import abi
from unipython.errors import UserError
from unipython.vmm import accel as accel_mod
from unipython.vmm import listen_backlog

QEMU = "qemu-system-x86_64"
INSTALL_HINT = "install it with: sudo apt-get install qemu-system-x86"
STREAM_NAMES = ("stdout", "stderr")  # console port 1, 2: org.unipython.NAME


@dataclass
class VMConfig:
    image: Path
    memory_mib: int = 256
    accel: str = "auto"
    cmdline: str = ""
    timeout: float | None = None
    icount: bool = False  # -icount shift=0: one instruction per nanosecond
    stdin: int | None = None  # a file descriptor to send as the app's stdin (stdin=1)
    initrd: Path | None = None  # for booting other kernels on the same machine (bench)
    # How the guest gets the root file system of an image whose rootfs is not loaded
    # (README, "The root file system"): "ram" = the image file as the initrd module,
    # which QEMU copies into guest RAM; "blk" = a read-only virtio-blk device of the
    # image file, whose pages the guest reads on demand into a page cache it can give
    # back; "none" = nothing beyond -kernel (an image whose rootfs is a PT_LOAD, which
    # -kernel loads, or another kernel such as the bench's Linux guest).
    rootfs: str = "none"
    extra_args: Sequence[str] = ()  # more QEMU arguments, e.g. a TCG plugin
    # A virtio-rng device: the guest kernel's entropy (with RDRAND/RDSEED), so
    # no seed travels on the command line, where any local user can read it.
    virtio_rng: bool = True
    # A virtio-net device on this -netdev (e.g. "user,id=n0,restrict=on"), or none.
    netdev: str | None = None
    net_mac: str | None = None  # the device's MAC (QEMU's default: 52:54:00:12:34:56)
    net_dump: Path | None = None  # a pcap file of the device's frames (--net-dump)
    # More virtio devices' QEMU arguments, e.g. a disk's (unipython.disk.Disk.qemu_args).
    devices: Sequence[str] = ()
    # virtio-console ports for the app's output: 0 = none, it goes to the serial
    # console with the kernel's messages (QEMU's stdout); 1 = stdout and stderr
    # through one port, in the order the app wrote them; 2 = stdout and stderr apart.
    console_ports: int = 0
    # ACPI tables: the way a guest without virtio_mmio command-line devices (Debian's
    # cloud kernel) finds the virtio-mmio devices. QEMU then appends no
    # virtio_mmio.device= entries and puts the devices' interrupts at GSI 16 and up.
    acpi: bool = False
    # Words before QEMU's own (the bench's "ip netns exec NAME": the tap device it
    # opens lives in a network namespace of the bench's own).
    command_prefix: Sequence[str] = ()


@dataclass
class VMResult:
    qemu_status: int
    exit_status: int | None = None  # the app's, from exit_group
    killed_by: int | None = None  # a fatal signal
    deadlock: bool = False
    panic: str | None = None
    bad_image: str | None = None  # the kernel refused the image as damaged
    frames: list[int] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    timed_out: bool = False
    qemu_stderr: str = ""
    accel: str = ""
    # A control record the guest sent that means nothing (a hostile or broken guest):
    # the run ends as a VM error naming it, not as a traceback of the runner.
    bad_record: str | None = None


def find_qemu() -> str:
    path = shutil.which(QEMU)
    if not path:
        raise UserError(f"QEMU is not installed ({QEMU} not found); {INSTALL_HINT}")
    return path


def command(cfg: VMConfig, control_socket: Path, accel: str,
            port_sockets: Sequence[Path] = ()) -> list[str]:
    """QEMU's arguments; port_sockets: one Unix socket per console port (cfg.console_ports)."""
    machine = ("microvm,x-option-roms=off,isa-serial=on,rtc=on,pit=on,pic=on,"
               f"acpi={'on,ioapic2=off' if cfg.acpi else 'off'}")
    args = [
        *cfg.command_prefix,
        find_qemu(),
        "-M", machine,
        *accel_mod.qemu_args(accel),
        "-m", memory_arg(cfg),
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-chardev", "stdio,id=console,signal=off",
        "-serial", "chardev:console",
        "-chardev", f"socket,id=control,path={control_socket}",
        "-device", f"isa-serial,chardev=control,iobase={abi.CONTROL_PORT:#x},irq=3",
        "-device", f"isa-debug-exit,iobase={abi.DEBUG_EXIT_PORT:#x},iosize=0x04",
        "-kernel", str(cfg.image),
        "-append", cfg.cmdline,
    ]
    args += rootfs_args(cfg)
    if cfg.virtio_rng:
        # On microvm's virtio-mmio bus; QEMU names it on the kernel command line
        # (virtio_mmio.device=...) and feeds it from the host's getrandom.
        args += ["-device", "virtio-rng-device"]
    args += list(cfg.devices)
    if cfg.netdev is not None:
        mac = f",mac={cfg.net_mac}" if cfg.net_mac else ""
        args += ["-netdev", cfg.netdev, "-device", f"virtio-net-device,netdev=n0{mac}"]
        if cfg.net_dump:
            # Every frame in and out of the guest, as pcap (tcpdump -r, wireshark).
            args += ["-object", f"filter-dump,id=dump0,netdev=n0,file={cfg.net_dump}"]
    if port_sockets:
        # One virtio-serial device whose ports, named for the stream they carry, are
        # sockets the runner reads (port 0 is for a virtconsole, whose output QEMU
        # drops when the reader is slow; these ports wait for it). With only the
        # stdout port the kernel sends stderr through it too, in the order written.
        args += ["-device", f"virtio-serial-device,id=vser,max_ports={len(port_sockets) + 1}"]
        for nr, (path, name) in enumerate(zip(port_sockets, STREAM_NAMES[:len(port_sockets)],
                                                  strict=True), start=1):
            args += ["-chardev", f"socket,id=out{nr},path={path}",
                     "-device", f"virtserialport,bus=vser.0,nr={nr},chardev=out{nr},"
                                f"name=org.unipython.{name}"]
    # QEMU's virtio-mmio transports are legacy (version 1) unless told otherwise;
    # the kernel speaks virtio 1.x only.
    args += ["-global", "virtio-mmio.force-legacy=false"]
    if cfg.initrd is not None:
        args += ["-initrd", str(cfg.initrd)]
    if cfg.icount:
        args += ["-icount", "shift=0,sleep=off"]
    return [*args, *cfg.extra_args]


def memory_arg(cfg: VMConfig) -> str:
    """-m: the guest's RAM."""
    return f"{cfg.memory_mib}M"


def rootfs_args(cfg: VMConfig) -> list[str]:
    """How the image's root file system reaches the guest (VMConfig.rootfs)."""
    if cfg.rootfs == "ram":
        return ["-initrd", str(cfg.image)]
    if cfg.rootfs == "blk":
        # Read-only: the guest cannot change the image. cache=writeback (QEMU's
        # default) reads through the host's page cache, which every VM of the image
        # shares; the guest reads only the pages it touches.
        return ["-drive", f"file={cfg.image},format=raw,readonly=on,if=none,id=image",
                "-device", "virtio-blk-device,drive=image"]
    return []


class ControlReader(threading.Thread):
    """Reads control records from the guest until QEMU closes the socket."""

    def __init__(self, server: socket.socket, echo: IO[str], stdin: int | None = None) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.echo = echo
        self.stdin = stdin
        self.conn: socket.socket | None = None
        # Input frames come from the input thread and Ctrl-C from the main thread;
        # one frame is sent whole before another starts.
        self.send_lock = threading.Lock()
        self.signalled = False
        self.input_started = False  # one stdin thread per run, however many "input" records
        self.records: list[tuple[str, str]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        self.server.settimeout(0.1)
        conn = None
        while conn is None and not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
        if conn is None:
            return
        self.conn = conn
        buf = b""
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    self._record(line.decode("utf-8", "replace"))
        if buf:
            self._record(buf.decode("utf-8", "replace"))

    def send_signal(self, signo: int) -> bool:
        """Raises signo in the app, once; False if it cannot (no input channel) or
        has been done already."""
        if self.conn is None or self.stdin is None or self.signalled:
            return False
        self.signalled = True
        try:
            self.send_frame(abi.input_frame(abi.INPUT_SIGNAL, bytes([signo])))
        except OSError:
            return False
        return True

    def send_frame(self, frame: bytes) -> None:
        assert self.conn is not None
        with self.send_lock:
            self.conn.sendall(frame)

    def _record(self, line: str) -> None:
        key, _, rest = line.rstrip("\r").partition(" ")
        if key == "input" and self.stdin is not None:
            if self.input_started:
                return
            self.input_started = True
            threading.Thread(target=send_input, args=(self.stdin, self.send_frame),
                             daemon=True).start()
        elif key == "trace":
            self.echo.write(rest + "\n")
            self.echo.flush()
        elif key:
            self.records.append((key, rest))


class OutputCopier(threading.Thread):
    """Copies what the guest writes to one console port (a socket QEMU connects to)
    to a file descriptor, until QEMU closes the socket."""

    def __init__(self, server: socket.socket, fd: int) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.fd = fd
        self.stop = threading.Event()
        self.broken = False  # the descriptor took no more (e.g. EPIPE): the rest is dropped

    def run(self) -> None:
        self.server.settimeout(0.1)
        conn = None
        while conn is None and not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
        if conn is None:
            return
        conn.settimeout(None)
        with conn:
            while chunk := conn.recv(1 << 18):
                self._write(chunk)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.broken:
            try:
                view = view[os.write(self.fd, view):]
            except BlockingIOError:
                # QEMU makes its stdout non-blocking; a terminal or pipe we share
                # with it is then non-blocking for us too.
                select.select([], [self.fd], [])
            except OSError:
                self.broken = True


def fd_of(target: IO[bytes] | int | None, default: int) -> int:
    """The file descriptor an output target writes to (None: ours, ``default``)."""
    if target is None:
        return default
    if isinstance(target, int):
        return target
    return target.fileno()


def send_input(fd: int, send: Callable[[bytes], None]) -> None:
    """Sends what can be read from ``fd`` as input frames, then the end-of-file frame.

    A terminal stays in its canonical mode: it edits and echoes lines, and a read
    returns each line as it is entered (an empty read is Ctrl-D). QEMU takes bytes
    from the socket only as fast as the guest reads them, so a send waits then."""
    try:
        while True:
            if _in_background(fd):
                # `unipython run app.py &`: reading the terminal now would stop us
                # (SIGTTIN); the input waits until the job comes to the foreground.
                time.sleep(0.2)
                continue
            try:
                data = os.read(fd, abi.INPUT_FRAME_MAX)
            except BlockingIOError:
                # QEMU makes its stdout non-blocking; on a terminal that is the
                # same open file as our stdin.
                select.select([fd], [], [])
                continue
            if not data:
                break
            send(abi.input_frame(abi.INPUT_DATA, data))
        send(abi.input_frame(abi.INPUT_EOF))
    except OSError:
        pass  # the VM has ended (or stdin cannot be read: the app sees no more)


def _in_background(fd: int) -> bool:
    """Whether fd is a terminal whose foreground process group is not ours."""
    try:
        return os.isatty(fd) and os.tcgetpgrp(fd) != os.getpgrp()
    except OSError:
        return False


def boot(cfg: VMConfig, stdout: IO[bytes] | int | None = None,
         trace_out: IO[str] | None = None, stderr: IO[bytes] | int | None = None) -> VMResult:
    """Boots cfg.image and waits for the VM to end. The app's stdout goes to stdout
    (QEMU's own stdout, also the kernel's messages); with two console ports its
    stderr goes to stderr (default: ours), and so do the kernel's messages (a disk
    mounted, a panic), which then stay out of the app's data on stdout."""
    accel = accel_mod.choose(cfg.accel)
    with tempfile.TemporaryDirectory(prefix="unipython-") as tmp:
        sock_path = Path(tmp) / "control.sock"
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(sock_path))
        server.listen(1)
        reader = ControlReader(server, trace_out or sys.stderr, cfg.stdin)
        reader.start()
        port_paths = [Path(tmp) / f"port{nr}.sock" for nr in range(cfg.console_ports)]
        copiers = []
        for nr, path in enumerate(port_paths):
            port_server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            port_server.bind(str(path))
            port_server.listen(1)
            target = fd_of(stdout, 1) if nr == 0 else fd_of(stderr, 2)
            copiers.append(OutputCopier(port_server, target))
        for copier in copiers:
            copier.start()
        # At a terminal, Ctrl-C is for the app (a KeyboardInterrupt, as for python
        # itself), not for QEMU: QEMU gets a process group of its own, away from
        # the terminal's signals, and the runner passes SIGINT on to the guest.
        interactive = cfg.stdin is not None and (os.isatty(cfg.stdin) or os.isatty(2))
        try:
            proc = subprocess.Popen(
                command(cfg, sock_path, accel, port_paths),
                stdin=subprocess.DEVNULL,
                stdout=stdout if cfg.console_ports < 2 else (stderr if stderr is not None else 2),
                stderr=subprocess.PIPE,
                process_group=0 if interactive else None,
            )
        except OSError as exc:
            reader.stop.set()
            for copier in copiers:
                copier.stop.set()
            raise UserError(f"cannot start QEMU: {exc}") from None
        forwarded = listen_backlog.tcp_forward_ports(cfg.netdev)
        if forwarded:
            listen_backlog.deepen_when_listening(proc, forwarded)
        timed_out = False
        deadline = None if cfg.timeout is None else time.monotonic() + cfg.timeout
        try:
            while True:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                try:
                    _, err = proc.communicate(timeout=left)
                    break
                except KeyboardInterrupt:
                    # The first Ctrl-C goes to the app; a second one stops the VM.
                    if not reader.send_signal(signal.SIGINT):
                        raise
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            timed_out = True
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            reader.stop.set()
            reader.join(timeout=5)
            server.close()
            # QEMU has ended: the ports' sockets give what is left, then end.
            for copier in copiers:
                copier.stop.set()
                copier.join(timeout=60)
                copier.server.close()
    return _result(proc.returncode, reader.records, err.decode("utf-8", "replace"),
                   timed_out, accel)


def _result(status: int, records: Sequence[tuple[str, str]], stderr: str, timed_out: bool,
            accel: str) -> VMResult:
    r = VMResult(qemu_status=status, qemu_stderr=stderr, timed_out=timed_out, accel=accel)
    for key, rest in records:
        try:
            _apply(r, key, rest)
        except ValueError:
            if r.bad_record is None:
                r.bad_record = f"{key} {rest}"[:200]
    return r


def _apply(r: VMResult, key: str, rest: str) -> None:
    """Takes one control record into ``r``; ValueError for a malformed one."""
    if key == "exit":
        r.exit_status = _number(rest, 0, 255)
    elif key == "killed":
        r.killed_by = _number(rest, 1, 64)
    elif key == "deadlock":
        r.deadlock = True
    elif key == "panic":
        r.panic = rest
    elif key == "bad-image":
        r.bad_image = rest
    elif key == "frame":
        r.frames.append(int(rest, 16))
    elif key == "stat":
        name, _, value = rest.partition(" ")
        r.stats[name] = _number(value, 0, 1 << 64)


def _number(text: str, low: int, high: int) -> int:
    """A decimal number from the guest within [low, high]; ValueError otherwise."""
    if not text.isdigit() or not low <= int(text) <= high:  # isdigit: no sign, no spaces
        raise ValueError(text)
    return int(text)


def memory_floor_mib(image: Path, rootfs: str = "ram") -> int:
    """The least RAM that can hold the image (when it is copied into RAM) with room
    to start the app."""
    size = os.path.getsize(image) if rootfs == "ram" else 0
    return (size >> 20) + 16
