#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal COLS columns wide, as a user at a terminal would, and
writes what the terminal showed to OUTFILE.

usage: pty-run.py COLS OUTFILE [--stdout-file FILE] CMD [ARGS...]
With --stdout-file, standard output goes to FILE (a pipe's view) while standard error stays on
the terminal. Exits with the command's status."""
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time

cols, outfile = int(sys.argv[1]), sys.argv[2]
args = sys.argv[3:]
stdout_file = None
if args[0] == "--stdout-file":
    stdout_file, args = args[1], args[2:]
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))


def controlling_tty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


out = open(stdout_file, "wb") if stdout_file else slave
proc = subprocess.Popen(args, stdin=slave, stdout=out, stderr=slave,
                        preexec_fn=controlling_tty)
os.close(slave)
seen = b""
deadline = time.time() + 60
while time.time() < deadline:
    ready, _, _ = select.select([master], [], [], 0.2)
    if ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        seen += data
    elif proc.poll() is not None:
        break
status = proc.wait()
with open(outfile, "wb") as f:
    f.write(seen.replace(b"\r\n", b"\n"))
sys.exit(status)
