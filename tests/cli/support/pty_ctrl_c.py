"""Runs a command on a new pseudo-terminal, waits for PROMPT and for echo to go off, types
Ctrl-C, and reports the terminal's state after the command ended, as one JSON line:
{"echo_off_at_prompt": bool, "echo_after": bool, "icanon_after": bool, "signal": int|null,
 "exit": int|null, "output": str}. Used by tests/login_cli.rs (issue 12 item 13).

usage: pty_ctrl_c.py PROMPT COMMAND [ARG...]
"""
import fcntl
import json
import os
import select
import sys
import termios
import time

prompt = sys.argv[1].encode()
argv = sys.argv[2:]
master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.close(slave)
    os.execv(argv[0], argv)

out = b""


def drain(timeout):
    global out
    r, _, _ = select.select([master], [], [], timeout)
    if r:
        try:
            out += os.read(master, 4096)
        except OSError:
            pass


def echo_on():
    return bool(termios.tcgetattr(slave)[3] & termios.ECHO)


deadline = time.monotonic() + 20
while prompt not in out and time.monotonic() < deadline:
    drain(0.1)
# rpassword prints the prompt first, then turns echo off: wait for that.
while echo_on() and time.monotonic() < deadline:
    drain(0.02)
echo_off_at_prompt = not echo_on()
os.write(master, b"\x03")
status = None
while time.monotonic() < deadline:
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
        break
    drain(0.05)
if status is None:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
drain(0.05)
lflag = termios.tcgetattr(slave)[3]
print(json.dumps({
    "echo_off_at_prompt": echo_off_at_prompt,
    "echo_after": bool(lflag & termios.ECHO),
    "icanon_after": bool(lflag & termios.ICANON),
    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
    "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
    "output": out.decode("utf-8", "replace"),
}))
