#!/usr/bin/env python3
"""timeit.py OUT -- CMD...: run CMD, write "wall_s peak_rss_kb exit_status cpu_s" to OUT.

Wall time from a monotonic clock around the child; peak RSS is ru_maxrss of
RUSAGE_CHILDREN, i.e. the largest resident set of the command or of any
process it waited for (a pipeline under sh -c counts its biggest stage).
cpu_s is user + system time of the command and everything it waited for.
The command's stdout and stderr pass through.
"""
import os, resource, subprocess, sys, time

out = sys.argv[1]
cmd = sys.argv[3:] if sys.argv[2] == "--" else sys.argv[2:]
t0 = time.monotonic()
rc = subprocess.call(cmd)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    f.write("%.4f %d %d %.3f\n" % (wall, ru.ru_maxrss, rc, ru.ru_utime + ru.ru_stime))
sys.exit(0)
