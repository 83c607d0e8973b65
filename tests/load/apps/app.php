<?php
// The PHP app of the load benchmark (tests/load/run.sh), run by PHP-FPM. The same three routes as Echo
// (shared/echo-app.md): GET /hello, GET /bytes/<n>, POST /upload; anything else is 404.
$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
$path = strtok($_SERVER['REQUEST_URI'] ?? '/', '?');

if ($path === '/hello' && ($method === 'GET' || $method === 'HEAD')) {
    header('Content-Type: text/plain');
    header('Content-Length: 12');
    echo "hello world\n";
    return;
}

if (preg_match('#^/bytes/([0-9]{1,9})$#', $path, $m) && ($method === 'GET' || $method === 'HEAD')) {
    $n = (int) $m[1];
    $pattern = implode('', array_map('chr', range(0, 250)));
    header('Content-Type: application/octet-stream');
    header('Content-Length: ' . $n);
    echo substr(str_repeat($pattern, intdiv($n, 251) + 1), 0, $n); // byte i = i mod 251, built per request
    return;
}

if ($path === '/upload' && $method === 'POST') {
    $input = fopen('php://input', 'rb');
    $context = hash_init('sha256');
    $length = hash_update_stream($context, $input); // reads the body to its end, as a stream
    fclose($input);
    $json = sprintf('{"bodyLength":%d,"bodySha256":"%s"}', $length, hash_final($context));
    header('Content-Type: application/json');
    header('Content-Length: ' . strlen($json));
    echo $json;
    return;
}

http_response_code(404);
header('Content-Type: text/plain');
echo "not found\n";
