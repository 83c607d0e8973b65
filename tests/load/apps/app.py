# The WSGI app of the load benchmark (tests/load/run.sh), run by Debian's uWSGI with the python3 plugin. The same
# three routes as Echo (shared/echo-app.md): GET /hello, GET /bytes/<n>, POST /upload; anything else is 404.
import hashlib

HELLO = b"hello world\n"
PATTERN = bytes(i % 251 for i in range(251))
MAX_BYTES = 100_000_000
CHUNK = 65536


def _text(start_response, status, body, content_type="text/plain"):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "")
    if path == "/hello" and method in ("GET", "HEAD"):
        return _text(start_response, "200 OK", HELLO)
    if path.startswith("/bytes/") and method in ("GET", "HEAD"):
        digits = path[len("/bytes/"):]
        if digits.isdigit() and int(digits) <= MAX_BYTES:
            n = int(digits)
            body = (PATTERN * (n // 251 + 1))[:n]  # byte i = i mod 251, built per request as Echo does
            return _text(start_response, "200 OK", body, "application/octet-stream")
    if path == "/upload" and method == "POST":
        remaining = int(environ.get("CONTENT_LENGTH") or 0)
        stream = environ["wsgi.input"]
        digest = hashlib.sha256()
        length = 0
        while remaining > 0:
            chunk = stream.read(min(CHUNK, remaining))
            if not chunk:
                break
            digest.update(chunk)
            length += len(chunk)
            remaining -= len(chunk)
        body = ('{"bodyLength":%d,"bodySha256":"%s"}' % (length, digest.hexdigest())).encode()
        return _text(start_response, "200 OK", body, "application/json")
    return _text(start_response, "404 Not Found", b"not found\n")
