#!/usr/bin/env python3
"""A shaped point-to-point link between two network namespaces, in user space.

For kernels without netem (scripts/bench/shaped-link.ts uses `tc netem` where the
kernel has it, and this where it does not). Run it as root inside namespace A,
with namespace B made beforehand (`ip netns add B`):

  ip netns exec A python3 link-shaper.py --netns B --addr-a 10.231.0.1 --addr-b 10.231.0.2 \
      [--delay-ms 20] [--jitter-ms 0] [--loss 0.01] [--rate-mbit 20] [--queue-ms 500] [--seconds 1200]

It makes two TUN devices here, moves one into B, gives each side its address
(a /30 of their own: nothing else is reachable), and copies IP packets between
them. Each direction gets the same shaping, applied once: random loss, a rate
limit (a packet waits while the ones before it are "on the wire"; packets that
would wait longer than --queue-ms are dropped, as a router's full buffer does),
then the delay with jitter, never reordering a direction's packets. It prints
"ready" on stdout when both sides are up, runs until SIGTERM, SIGINT or
--seconds, and prints its packet counts on stderr as it exits.
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454ca
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
DEV_A = 'hfshape-a'
DEV_B = 'hfshape-b'
MAX_PACKET = 65535


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def run(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


class Direction:
    """One way across the link: its shaping, and the packets under way."""

    def __init__(self, out_fd, a):
        self.out_fd = out_fd
        self.delay = a.delay_ms / 1000
        self.jitter = a.jitter_ms / 1000
        self.loss = a.loss
        self.bytes_per_s = a.rate_mbit * 1e6 / 8
        self.queue = a.queue_ms / 1000
        self.wire_free = 0.0
        self.last_due = 0.0

    # When `size` bytes sent now arrive on the other side, or None if dropped
    # (lost, or the queue in front of the wire is full).
    def due(self, size, now, counts):
        if random.random() < self.loss:
            counts['lost'] += 1
            return None
        start = max(now, self.wire_free)
        if self.bytes_per_s > 0:
            if start - now > self.queue:
                counts['overflow'] += 1
                return None
            self.wire_free = start + size / self.bytes_per_s
            start = self.wire_free
        due = start + self.delay + random.uniform(-self.jitter, self.jitter)
        self.last_due = max(due, self.last_due, now)
        return self.last_due


def main():
    p = argparse.ArgumentParser(description='a shaped link between this network namespace and another, over two TUN devices')
    p.add_argument('--netns', required=True, help='the other side: a namespace made with ip netns add')
    p.add_argument('--addr-a', required=True, help='this side\'s IPv4 address')
    p.add_argument('--addr-b', required=True, help='the other side\'s IPv4 address')
    p.add_argument('--delay-ms', type=float, default=20.0, help='one way')
    p.add_argument('--jitter-ms', type=float, default=0.0, help='added to the delay, uniform in +-jitter')
    p.add_argument('--loss', type=float, default=0.0, help='drop probability per packet and direction, 0..1')
    p.add_argument('--rate-mbit', type=float, default=0.0, help='each direction; 0: unlimited')
    p.add_argument('--queue-ms', type=float, default=500.0, help='most time a packet may wait for the wire')
    p.add_argument('--seconds', type=float, default=1200.0, help='stop after this long (a guard for a parent that died)')
    a = p.parse_args()

    fa, fb = open_tun(DEV_A), open_tun(DEV_B)
    run('ip', 'link', 'set', DEV_B, 'netns', a.netns)
    run('ip', 'addr', 'add', a.addr_a, 'peer', a.addr_b, 'dev', DEV_A)
    run('ip', 'link', 'set', DEV_A, 'up')
    run('ip', '-n', a.netns, 'addr', 'add', a.addr_b, 'peer', a.addr_a, 'dev', DEV_B)
    run('ip', '-n', a.netns, 'link', 'set', DEV_B, 'up')

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    deadline = time.monotonic() + a.seconds
    ways = {fa: Direction(fb, a), fb: Direction(fa, a)}
    counts = {'forwarded': 0, 'lost': 0, 'overflow': 0}
    pending = []  # (due, order, out_fd, packet)
    order = 0
    print('ready', flush=True)

    while not stopping and time.monotonic() < deadline:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, out_fd, packet = heapq.heappop(pending)
            try:
                os.write(out_fd, packet)
                counts['forwarded'] += 1
            except (BlockingIOError, OSError):
                counts['overflow'] += 1
        wait = min(0.05, max(0.0, pending[0][0] - now)) if pending else 0.05
        try:
            readable, _, _ = select.select([fa, fb], [], [], wait)
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd in readable:
            for _ in range(64):
                try:
                    packet = os.read(fd, MAX_PACKET)
                except BlockingIOError:
                    break
                due = ways[fd].due(len(packet), now, counts)
                if due is not None:
                    order += 1
                    heapq.heappush(pending, (due, order, ways[fd].out_fd, packet))

    dropped = counts['lost'] + counts['overflow']
    print(f"link-shaper: forwarded {counts['forwarded']}, dropped {dropped} (lost {counts['lost']}, queue full {counts['overflow']})", file=sys.stderr)


if __name__ == '__main__':
    main()
