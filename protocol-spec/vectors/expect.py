#!/usr/bin/env python3
"""Independent reference decoder for Bridge's protocol vectors.

It implements the rules of ../uwsgi.md and ../fastcgi.md a second time, in Python and without sharing
any code with src/, so that a vector's expectation (the .json beside it) is checked by two decoders.

    python3 expect.py --check              verify every .json under this folder; exit 1 on any mismatch
    python3 expect.py --print FILE...      decode .hex/.bin files and print the expectation JSON
    python3 expect.py --write FILE...      decode and write FILE's .json beside it (keeps "comment"/"limits")

The protocol is taken from the path (a "uwsgi" or "fastcgi" folder), the limits from the "limits" field
of the existing .json, if any. See README.md in this folder for the file formats.
"""

import argparse
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULT_LIMITS = {
    "maxVarsBlockSize": 65535,
    "maxVariables": 1000,
    "maxParamsSize": 131072,
    "maxMultiplexedRequests": 16,
}

ERROR_NAMES = {
    "TruncatedPacket", "VarsBlockTooLarge", "VarsOverrun", "ZeroLengthKey", "TooManyVariables",
    "UnsupportedModifier", "MissingRequestMethod", "InvalidContentLength", "BadFastCgiVersion",
    "BadRecord", "UnexpectedRequestId", "UnexpectedRecord", "TruncatedRecord", "ParamsTooLarge",
    "ParamsOverrun", "InvalidChunkedBody", "UnsupportedTransferEncoding",
}

UWSGI_MODIFIERS = {0, 5, 6, 7, 8, 9, 14, 15, 30}
UWSGI_HEADER_LENGTH = 4
MAX_CONTENT_LENGTH = 2**63 - 1
MAX_CONTENT_LENGTH_DIGITS = 19
CHUNK_MAX_LINE = 8192          # a chunk-size line (extensions included) or a trailer line, without CRLF
CHUNK_MAX_TRAILER = 65535      # all trailer lines, CRLFs included
CHUNK_MAX_SIGNIFICANT_DIGITS = 15

FCGI_VERSION = 1
FCGI_HEADER_LENGTH = 8
FCGI_BEGIN_BODY_LENGTH = 8
FCGI_RESPONDER = 1
FCGI_KEEP_CONN = 1
BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR, DATA, GET_VALUES = range(1, 10)


class ProtocolError(Exception):
    def __init__(self, name):
        assert name in ERROR_NAMES, name
        super().__init__(name)
        self.name = name


class VectorError(Exception):
    """The vector itself is unusable (bad .hex syntax, or a case the rules leave undefined)."""


# ---------------------------------------------------------------------------------------------------
# .hex format

_HEX_DIGITS = set("0123456789abcdefABCDEF")


def parse_hex(text):
    out = bytearray()
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\f\v":
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c == '"':
            i += 1
            chunk = bytearray()
            while True:
                if i >= n or text[i] == "\n":
                    raise VectorError(f"line {line}: unterminated string")
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    if i + 1 < n and text[i + 1] in '"\\':
                        chunk.append(ord(text[i + 1]))
                        i += 2
                        continue
                    raise VectorError(f"line {line}: only \\\" and \\\\ escapes are allowed")
                if not (0x20 <= ord(c) <= 0x7E):
                    raise VectorError(f"line {line}: strings hold printable ASCII only; use hex for other bytes")
                chunk.append(ord(c))
                i += 1
            i = _repeat(text, i, line, chunk, out)
        elif c in _HEX_DIGITS:
            j = i
            while j < n and text[j] in _HEX_DIGITS:
                j += 1
            digits = text[i:j]
            if len(digits) % 2:
                raise VectorError(f"line {line}: odd number of hex digits in {digits!r}")
            i = _repeat(text, j, line, bytes.fromhex(digits), out)
        else:
            raise VectorError(f"line {line}: unexpected character {c!r}")
    return bytes(out)


def _repeat(text, i, line, chunk, out):
    count = 1
    if i < len(text) and text[i] == "*":
        j = i + 1
        while j < len(text) and text[j].isdigit() and text[j].isascii():
            j += 1
        if j == i + 1:
            raise VectorError(f"line {line}: '*' must be followed by a decimal count")
        count = int(text[i + 1:j])
        i = j
    if i < len(text) and text[i] not in " \t\r\n\f\v#":
        raise VectorError(f"line {line}: a token must be followed by whitespace, a comment or the end")
    out.extend(bytes(chunk) * count)
    return i


def read_input(path):
    if path.endswith(".hex"):
        with open(path, encoding="ascii") as f:
            return parse_hex(f.read())
    with open(path, "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------------------------------
# shared request checks

def latin1(b):
    return bytes(b).decode("latin-1")


def check_request_variables(pairs):
    """REQUEST_METHOD first, then CONTENT_LENGTH. Returns the content length or None."""
    methods = [v for k, v in pairs if k == b"REQUEST_METHOD"]
    if not methods or methods[0] == b"":
        raise ProtocolError("MissingRequestMethod")
    lengths = [v for k, v in pairs if k == b"CONTENT_LENGTH"]
    if not lengths:
        return None
    values = [parse_content_length(v) for v in lengths]
    if any(other != values[0] for other in values[1:]):
        raise ProtocolError("InvalidContentLength")  # the same number, or empty each time
    return values[0]


def parse_content_length(text):
    """"" is no body (None); otherwise 1..19 digits, at most 2^63-1."""
    if text == b"":
        return None
    if not (1 <= len(text) <= MAX_CONTENT_LENGTH_DIGITS) or any(not 0x30 <= b <= 0x39 for b in text):
        raise ProtocolError("InvalidContentLength")
    value = int(text)
    if value > MAX_CONTENT_LENGTH:
        raise ProtocolError("InvalidContentLength")
    return value


def body_fields(body, content_length):
    return {
        "contentLength": content_length,
        "bodyLength": len(body),
        "bodySha256": hashlib.sha256(body).hexdigest(),
    }


# ---------------------------------------------------------------------------------------------------
# chunked request bodies (uwsgi from uWSGI's HTTP router; RFC 9112 section 7.1)

def is_chunked(pairs, content_length):
    """No CONTENT_LENGTH and the first HTTP_TRANSFER_ENCODING ends in chunked; another coding is an error."""
    codings = [v for k, v in pairs if k == b"HTTP_TRANSFER_ENCODING"]
    if content_length is not None or not codings or codings[0] == b"":
        return False
    if codings[0].split(b",")[-1].strip(b" \t").lower() != b"chunked":
        raise ProtocolError("UnsupportedTransferEncoding")
    return True


def _chunk_line(data, i):
    """The line at i without its CRLF, and the index after it."""
    lf = data.find(b"\n", i)
    if lf < 0:
        raise VectorError("the chunked body ends inside a line")
    line = data[i:lf]
    if not line.endswith(b"\r") or b"\r" in line[:-1] or len(line) - 1 > CHUNK_MAX_LINE:
        raise ProtocolError("InvalidChunkedBody")
    return line[:-1], lf + 1


def _chunk_size(line):
    m = re.fullmatch(rb"([0-9A-Fa-f]+)[ \t]*(;.*)?", line, re.S)
    if not m or len(m.group(1).lstrip(b"0")) > CHUNK_MAX_SIGNIFICANT_DIGITS:
        raise ProtocolError("InvalidChunkedBody")
    return int(m.group(1), 16)


def dechunk(data):
    """The decoded body and how many bytes of data its framing took; extensions and trailers are ignored."""
    body, i = bytearray(), 0
    while True:
        line, i = _chunk_line(data, i)
        size = _chunk_size(line)
        if size == 0:
            break
        if len(data) < i + size + 2:
            raise VectorError("the chunked body ends inside a chunk")
        body += data[i:i + size]
        i += size
        if data[i:i + 2] != b"\r\n":
            raise ProtocolError("InvalidChunkedBody")
        i += 2
    trailer = 0
    while True:
        line, i = _chunk_line(data, i)
        if line == b"":
            return bytes(body), i
        trailer += len(line) + 2
        if trailer > CHUNK_MAX_TRAILER:
            raise ProtocolError("InvalidChunkedBody")


# ---------------------------------------------------------------------------------------------------
# uwsgi

def decode_uwsgi(data, limits):
    if len(data) == 0:
        raise VectorError("empty input is a clean close, not a vector")
    if len(data) < UWSGI_HEADER_LENGTH:
        raise ProtocolError("TruncatedPacket")
    modifier1, modifier2 = data[0], data[3]
    datasize = data[1] | (data[2] << 8)
    if modifier1 not in UWSGI_MODIFIERS:
        raise ProtocolError("UnsupportedModifier")
    if datasize > limits["maxVarsBlockSize"]:
        raise ProtocolError("VarsBlockTooLarge")
    end = UWSGI_HEADER_LENGTH + datasize
    if len(data) < end:
        raise ProtocolError("TruncatedPacket")

    pairs = []
    i = UWSGI_HEADER_LENGTH
    while i < end:
        if end - i < 2:
            raise ProtocolError("VarsOverrun")
        key_length = data[i] | (data[i + 1] << 8)
        i += 2
        if key_length == 0:
            raise ProtocolError("ZeroLengthKey")
        if key_length > end - i:
            raise ProtocolError("VarsOverrun")
        key = data[i:i + key_length]
        i += key_length
        if end - i < 2:
            raise ProtocolError("VarsOverrun")
        value_length = data[i] | (data[i + 1] << 8)
        i += 2
        if value_length > end - i:
            raise ProtocolError("VarsOverrun")
        value = data[i:i + value_length]
        i += value_length
        if len(pairs) + 1 > limits["maxVariables"]:
            raise ProtocolError("TooManyVariables")
        pairs.append((key, value))

    content_length = check_request_variables(pairs)
    if is_chunked(pairs, content_length):
        body, used = dechunk(data[end:])
    else:
        body = data[end:end + (content_length or 0)]
        used = len(body)
    result = {"modifier1": modifier1, "modifier2": modifier2,
              "variables": [[latin1(k), latin1(v)] for k, v in pairs]}
    result.update(body_fields(body, content_length))
    trailing = len(data) - end - used
    if trailing:
        result["trailingBytes"] = trailing
    return result


# ---------------------------------------------------------------------------------------------------
# FastCGI

def _nv_length(stream, i):
    if i >= len(stream):
        raise ProtocolError("ParamsOverrun")
    if stream[i] < 0x80:
        return stream[i], i + 1
    if len(stream) - i < 4:
        raise ProtocolError("ParamsOverrun")
    value = ((stream[i] & 0x7F) << 24) | (stream[i + 1] << 16) | (stream[i + 2] << 8) | stream[i + 3]
    return value, i + 4


def decode_name_values(stream, limits):
    pairs = []
    i, n = 0, len(stream)
    while i < n:
        name_length, i = _nv_length(stream, i)
        value_length, i = _nv_length(stream, i)
        if name_length == 0:
            raise ProtocolError("ZeroLengthKey")
        if name_length > n - i:
            raise ProtocolError("ParamsOverrun")
        name = stream[i:i + name_length]
        i += name_length
        if value_length > n - i:
            raise ProtocolError("ParamsOverrun")
        value = stream[i:i + value_length]
        i += value_length
        if len(pairs) + 1 > limits["maxVariables"]:
            raise ProtocolError("TooManyVariables")
        pairs.append((name, value))
    return pairs


class _Request:
    def __init__(self, request_id, keep_conn):
        self.request_id = request_id
        self.keep_conn = keep_conn
        self.params = bytearray()
        self.params_done = False
        self.pairs = []
        self.content_length = None
        self.body = bytearray()
        self.stdin_done = False

    def to_json(self):
        if not self.params_done:
            raise VectorError(f"request {self.request_id}: input ended inside its PARAMS stream (not defined)")
        result = {"requestId": self.request_id, "role": FCGI_RESPONDER, "keepConn": self.keep_conn,
                  "variables": [[latin1(k), latin1(v)] for k, v in self.pairs]}
        result.update(body_fields(bytes(self.body), self.content_length))
        result["stdinComplete"] = self.stdin_done
        return result


def decode_fastcgi(data, limits):
    active = {}
    requests, get_values, unknown_types, aborted, rejected = [], [], [], [], []
    pos, n = 0, len(data)
    while pos < n:  # EOF between records is a clean end
        if data[pos] != FCGI_VERSION:  # judged from the first byte, before the header is whole
            raise ProtocolError("BadFastCgiVersion")
        if n - pos < FCGI_HEADER_LENGTH:
            raise ProtocolError("TruncatedRecord")
        version, rtype = data[pos], data[pos + 1]
        rid = (data[pos + 2] << 8) | data[pos + 3]
        clen = (data[pos + 4] << 8) | data[pos + 5]
        plen = data[pos + 6]
        if version != FCGI_VERSION:
            raise ProtocolError("BadFastCgiVersion")
        req = active.get(rid) if rid != 0 else None

        # The one check made from the header alone, before the content has to be there.
        if rtype == PARAMS and req is not None and not req.params_done and clen > 0:
            if len(req.params) + clen > limits["maxParamsSize"]:
                raise ProtocolError("ParamsTooLarge")

        start = pos + FCGI_HEADER_LENGTH
        end = start + clen + plen
        if end > n:
            raise ProtocolError("TruncatedRecord")
        content = data[start:start + clen]
        pos = end  # padding skipped

        if rid == 0:
            if rtype == GET_VALUES:
                get_values.extend(decode_name_values(content, limits))
            elif BEGIN_REQUEST <= rtype <= DATA:
                raise ProtocolError("UnexpectedRequestId")
            else:
                unknown_types.append(rtype)
            continue

        if rtype == BEGIN_REQUEST:
            if clen != FCGI_BEGIN_BODY_LENGTH:
                raise ProtocolError("BadRecord")
            if rid in active:
                raise ProtocolError("UnexpectedRequestId")
            role = (content[0] << 8) | content[1]
            flags = content[2]
            maximum = limits["maxMultiplexedRequests"]
            if role != FCGI_RESPONDER:
                rejected.append({"requestId": rid, "protocolStatus": "UnknownRole"})
            elif len(active) >= maximum:
                status = "CantMpxConn" if maximum == 1 else "Overloaded"
                rejected.append({"requestId": rid, "protocolStatus": status})
            else:
                req = _Request(rid, bool(flags & FCGI_KEEP_CONN))
                active[rid] = req
                requests.append(req)
        elif rtype in (ABORT_REQUEST, PARAMS, STDIN, DATA):
            if req is None:
                continue  # records for an inactive id are skipped
            if rtype == ABORT_REQUEST:
                aborted.append(rid)
            elif rtype == PARAMS:
                if req.params_done:
                    raise ProtocolError("UnexpectedRecord")
                if clen:
                    req.params.extend(content)
                else:
                    req.params_done = True
                    req.pairs = decode_name_values(bytes(req.params), limits)
                    req.content_length = check_request_variables(req.pairs)
            elif rtype == STDIN:
                if not req.params_done or req.stdin_done:
                    raise ProtocolError("UnexpectedRecord")
                if clen:
                    req.body.extend(content)
                else:
                    req.stdin_done = True
                    # Vector semantics: the harness completes a request when its body ends, freeing the id.
                    del active[rid]
            # DATA on an active id: ignored
        else:
            raise ProtocolError("BadRecord")  # 0, END_REQUEST, STDOUT, STDERR, 9 and up on a request id

    result = {"requests": [r.to_json() for r in requests]}
    if get_values:
        result["getValues"] = [[latin1(k), latin1(v)] for k, v in get_values]
    if unknown_types:
        result["unknownTypes"] = unknown_types
    if aborted:
        result["aborted"] = aborted
    if rejected:
        result["rejected"] = rejected
    return result


# ---------------------------------------------------------------------------------------------------
# expectations

def protocol_of(path):
    parts = os.path.abspath(path).split(os.sep)
    if "uwsgi" in parts:
        return "uwsgi"
    if "fastcgi" in parts:
        return "fastcgi"
    raise VectorError(f"{path}: not under a uwsgi/ or fastcgi/ folder")


def limits_from(expectation):
    limits = dict(DEFAULT_LIMITS)
    given = (expectation or {}).get("limits", {})
    unknown = set(given) - set(DEFAULT_LIMITS)
    if unknown:
        raise VectorError(f"unknown limits {sorted(unknown)}")
    limits.update(given)
    return limits


def decode(path, limits):
    data = read_input(path)
    decoder = decode_uwsgi if protocol_of(path) == "uwsgi" else decode_fastcgi
    try:
        return decoder(data, limits)
    except ProtocolError as e:
        return {"error": e.name}


def json_path(path):
    return os.path.splitext(path)[0] + ".json"


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def expectation_for(path):
    jpath = json_path(path)
    existing = load_json(jpath) if os.path.exists(jpath) else None
    result = {}
    if existing:
        for key in ("comment", "limits"):
            if key in existing:
                result[key] = existing[key]
    result.update(decode(path, limits_from(existing)))
    return result


def render(value, indent=0):
    """JSON with one field per line and each variable pair on one line."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value or all(not isinstance(v, (dict, list)) for v in value.values()) and len(value) <= 3:
            return json.dumps(value)
        items = [f'{pad}  {json.dumps(k)}: {render(v, indent + 1)}' for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return json.dumps(value)
        items = [pad + "  " + render(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(value)


def inputs_in_tree():
    for root, dirs, files in os.walk(HERE):
        dirs.sort()
        for name in sorted(files):
            yield root, name


NAME_PATTERN = re.compile(r"^(\d{3})-[a-z0-9]+(-[a-z0-9]+)*\.(hex|json)$")


def check():
    failures, count = [], 0
    seen_numbers = {}
    for root, name in inputs_in_tree():
        path = os.path.join(root, name)
        rel = os.path.relpath(path, HERE)
        kind = os.path.basename(root)
        if kind not in ("valid", "invalid", "captures"):
            continue
        base, ext = os.path.splitext(path)
        if kind in ("valid", "invalid"):
            m = NAME_PATTERN.match(name)
            if not m:
                failures.append(f"{rel}: name is not NNN-short-name.hex/.json")
                continue
            if ext == ".hex":
                key = (root, m.group(1))
                if key in seen_numbers:
                    failures.append(f"{rel}: number {m.group(1)} also used by {seen_numbers[key]}")
                seen_numbers[key] = name
        if ext in (".hex", ".bin"):
            if (ext == ".bin") != (kind == "captures"):
                failures.append(f"{rel}: .bin belongs in captures/, .hex in valid/ or invalid/")
            if not os.path.exists(base + ".json"):
                failures.append(f"{rel}: no .json beside it")
            continue
        if ext != ".json":
            failures.append(f"{rel}: unexpected file")
            continue
        source = next((base + e for e in (".hex", ".bin") if os.path.exists(base + e)), None)
        if source is None:
            failures.append(f"{rel}: no .hex or .bin beside it")
            continue
        count += 1
        try:
            expected = load_json(path)
            limits = limits_from(expected)
            actual = decode(source, limits)
        except (VectorError, ValueError, OSError) as e:
            failures.append(f"{rel}: {e}")
            continue
        wanted = {k: v for k, v in expected.items() if k not in ("comment", "limits")}
        if "error" in wanted and wanted["error"] not in ERROR_NAMES:
            failures.append(f"{rel}: unknown error name {wanted['error']!r}")
        if (kind == "invalid") != ("error" in actual):
            failures.append(f"{rel}: a vector in {kind}/ decodes to {render(actual)[:200]}")
        if wanted != actual:
            failures.append(f"{rel}: expected\n{render(wanted)[:2000]}\n  but decoded\n{render(actual)[:2000]}")
    for f in failures:
        print("FAIL " + f)
    print(f"{count} vectors checked, {len(failures)} problems")
    return 1 if failures else 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", action="store_true", help="verify every .json in the tree")
    group.add_argument("--print", dest="print_files", nargs="+", metavar="FILE", help="print expectations")
    group.add_argument("--write", dest="write_files", nargs="+", metavar="FILE", help="write expectations")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    for path in args.print_files or args.write_files:
        text = render(expectation_for(path)) + "\n"
        if args.print_files:
            sys.stdout.write(text)
        else:
            with open(json_path(path), "w", encoding="ascii") as f:
                f.write(text)
            print(f"wrote {json_path(path)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except VectorError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
