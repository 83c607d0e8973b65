#!/usr/bin/env python3
"""Markdown tables of the load benchmark from run.sh's runs.tsv.

  report.py RUNS.TSV MACHINE COMMAND ELAPSED_S "BACKENDS" "CONNECTIONS" DURATION WARMUP
"""
import csv
import sys

WORKLOADS = {
    "hello": "GET /hello (12 bytes)",
    "bytes": "GET /bytes/65536",
    "upload": "POST /upload (16 KiB body)",
}

NOTES = {
    "ceiling": "nginx alone: `return 200` for /hello, a static file (sendfile) for /bytes/65536; no /upload row",
    "echo-uwsgi": "Echo on Bridge, `uwsgi_pass` (a new Unix-socket connection per request), access log off",
    "echo-uwsgi-log": "the same with Echo's defaults: the access log on (one line per request to stderr, console logger)",
    "echo-fastcgi-keepalive": "Echo on Bridge, `fastcgi_pass`, `fastcgi_keep_conn on` + upstream `keepalive 32`",
    "echo-fastcgi-keepalive-log": "the same with Echo's defaults: the access log on (one line per request to stderr, console logger)",
    "aspnet-bridge-uwsgi": "ASP.NET Core sample on Bridge (`UseBridge`), `uwsgi_pass`, access log off, log level Warning",
    "aspnet-bridge-fastcgi": "ASP.NET Core sample on Bridge, `fastcgi_keep_conn on` + upstream `keepalive 32`",
    "aspnet-kestrel-proxy": "the same sample on Kestrel (Unix socket), `proxy_pass`, HTTP/1.1 + upstream `keepalive 32`",
    "aspnet-kestrel-direct": "the same sample on Kestrel over TCP, wrk straight to it (no nginx)",
    "uwsgi-uwsgi": "Debian's uWSGI + python3 plugin, `--master --processes 2`, `uwsgi_pass`; uWSGI's default listen "
                   "queue (100) unless UWSGI_LISTEN is set: beyond it nginx gets EAGAIN on connect, a 502",
    "uwsgi-fastcgi": "Debian's uWSGI, `--fastcgi-socket`, `fastcgi_pass` with a connection per request: uWSGI 2.0 ignores "
                     "FCGI_KEEP_CONN and closes after END_REQUEST, so keep_conn is not used (nginx adds "
                     "`fastcgi_param PATH_INFO $document_uri`, which uWSGI routes on); same listen queue as uwsgi-uwsgi",
    "php-fpm": "PHP-FPM (`pm = static`, 2 children, opcache as Debian ships it), `fastcgi_pass` with a connection per request",
    "php-fpm-keepalive": "the same with `fastcgi_keep_conn on` + `keepalive 32`: a child stays on its kept connection, so "
                         "with more concurrent requests than children the rest wait in PHP-FPM's listen queue and stall "
                         "(each a 504 after nginx's 5 s read timeout)",
}

KEY_RATIOS = [
    ("echo-uwsgi-log", "echo-uwsgi"),
    ("echo-fastcgi-keepalive-log", "echo-fastcgi-keepalive"),
    ("echo-fastcgi-keepalive", "aspnet-kestrel-proxy"),
    ("aspnet-bridge-fastcgi", "aspnet-kestrel-proxy"),
    ("echo-uwsgi", "uwsgi-uwsgi"),
    ("aspnet-bridge-uwsgi", "uwsgi-uwsgi"),
    ("echo-fastcgi-keepalive", "php-fpm"),
    ("echo-uwsgi", "php-fpm"),
]


def main(argv):
    tsv, machine, command, elapsed, backends, connections, duration, warmup = argv[1:9]
    order = backends.split()
    conns = [int(c) for c in connections.split()]
    rows = list(csv.DictReader(open(tsv), delimiter="\t"))
    for r in rows:
        seconds = int(r["duration_us"]) / 1e6
        r["rps"] = (int(r["requests"]) - int(r["status_errors"])) / seconds     # answers below 400 per second
    index = {(r["workload"], r["backend"], int(r["connections"])): r for r in rows}

    out = ["# Bridge load benchmark", ""]
    out.append(f"- machine: {machine}")
    out.append(f"- command: `{command}`")
    out.append(f"- wrk -t1, {warmup} s warm-up then {duration} s per run; nginx 1 worker; total {elapsed} s")
    out.append("- req/s = answers with status < 400 per second; errors = wrk's socket errors (connect, read, write, timeout) + answers with status >= 400")
    out.append("- peak RSS = the maximum, sampled every 200 ms over warm-up and run, of the sum of VmRSS of the "
               "backend's processes (master + workers); forked workers share pages, so their sum over-counts")
    out.append("- CPU s = utime + stime of the backend's processes during the measured run; nginx CPU s the same for nginx")
    out.append("")
    for workload, title in WORKLOADS.items():
        present = [b for b in order if any((workload, b, c) in index for c in conns)]
        if not present:
            continue
        reference = "ceiling" if any((workload, "ceiling", c) in index for c in conns) else "aspnet-kestrel-proxy"
        out.append(f"## {title}")
        out.append("")
        out.append(f"| backend | conns | req/s | p50 ms | p99 ms | errors | peak RSS MiB | CPU s | nginx CPU s | ratio vs {reference} |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for b in present:
            for c in conns:
                r = index.get((workload, b, c))
                if r is None:
                    continue
                ref = index.get((workload, reference, c))
                ratio = f"{r['rps'] / ref['rps']:.2f}" if ref else "–"
                errors = int(r["socket_errors"]) + int(r["status_errors"])
                errors_text = str(errors) if errors == 0 else f"**{errors}** ({r['status_errors']} status)"
                no_process = b == "ceiling"
                rss = "–" if no_process else f"{int(r['peak_rss_kib']) / 1024:.0f}"
                cpu = "–" if no_process else r["cpu_s"]
                out.append(f"| {b} | {c} | {r['rps']:,.0f} | {int(r['p50_us']) / 1000:.2f} | {int(r['p99_us']) / 1000:.2f} "
                           f"| {errors_text} | {rss} | {cpu} | {r['nginx_cpu_s']} | {ratio} |")
        if workload == "upload" and "ceiling" in order:
            out.append("| ceiling | – | n/a: nginx alone has no equivalent of reading and hashing a body | | | | | | | |")
        out.append("")
        lines = []
        for a, b in KEY_RATIOS:
            values = []
            for c in conns:
                ra, rb = index.get((workload, a, c)), index.get((workload, b, c))
                if ra and rb:
                    values.append(f"{ra['rps'] / rb['rps']:.2f} (c={c})")
            if values:
                lines.append(f"- {a} ÷ {b}: " + ", ".join(values))
        if lines:
            out.append("Key ratios (req/s):")
            out.append("")
            out.extend(lines)
            out.append("")
    out.append("## Backends")
    out.append("")
    for b in order:
        out.append(f"- `{b}`: {NOTES[b]}")
    out.append("")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv)
