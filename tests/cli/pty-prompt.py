#!/usr/bin/env python3
"""Interrupts claimtrail at its passphrase prompt on a pseudo-terminal and checks that the
terminal's echo is back on afterwards.

usage: pty-prompt.py CLAIMTRAIL KEYFILE INT|TERM
INT types Ctrl-C on the terminal; TERM sends SIGTERM. Exit 0 when echo was off at the prompt,
claimtrail died of the signal, and echo is on again; 1 otherwise (and says which)."""
import fcntl
import os
import select
import signal
import subprocess
import sys
import termios
import time

ct, keyfile, how = sys.argv[1], sys.argv[2], sys.argv[3]
master, slave = os.openpty()
env = dict(os.environ)
env.pop("CLAIMTRAIL_PASSPHRASE", None)


def controlling_tty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def echo_on():
    return bool(termios.tcgetattr(slave)[3] & termios.ECHO)


proc = subprocess.Popen([ct, "key", "generate", "-o", keyfile], stdin=slave, stdout=slave,
                        stderr=slave, preexec_fn=controlling_tty, env=env)
deadline = time.time() + 20
seen = b""
while b"assphrase" not in seen and time.time() < deadline:
    ready, _, _ = select.select([master], [], [], 0.2)
    if ready:
        seen += os.read(master, 4096)
# the prompt is written just before echo goes off
while echo_on() and time.time() < deadline:
    time.sleep(0.02)
off_at_prompt = not echo_on()
sig = signal.SIGINT if how == "INT" else signal.SIGTERM
if how == "INT":
    os.write(master, b"\x03")
else:
    proc.send_signal(sig)
try:
    status = proc.wait(timeout=20)
except subprocess.TimeoutExpired:
    proc.kill()
    status = proc.wait()
restored = echo_on()
print(f"{how}: prompt seen {b'assphrase' in seen}, echo off at the prompt {off_at_prompt}, "
      f"exit {status}, echo on afterwards {restored}")
sys.exit(0 if off_at_prompt and status == -sig and restored else 1)
