namespace Bridge.Integration.Tests.Stress;

/// <summary>What one request of the cross-talk load asks for, and how its answer is checked.</summary>
internal enum RequestKind
{
    /// <summary>GET /hello?id=: answered at once, 12 bytes.</summary>
    Hello,

    /// <summary>GET /echo/ID?id=ID&amp;n=N with an X-Request-Id header: rawTarget, query, path and the header echoed back.</summary>
    EchoGet,

    /// <summary>POST /echo/ID?id=ID with a unique random body: as EchoGet, plus bodyLength and bodySha256.</summary>
    EchoPost,

    /// <summary>GET /headers?X-Request-Id=ID&amp;X-Echo-N=N: the two come back as response headers.</summary>
    Headers,

    /// <summary>GET /delay/MS?id= (0-3 ms): the handler awaits, then answers ok\n.</summary>
    Delay,

    /// <summary>GET /bytes/N?id= (N unique-ish, up to 100 000): N bytes of the pattern.</summary>
    Bytes,

    /// <summary>GET /stream/C/S?id=: C flushed writes of S bytes of the pattern, no Content-Length.</summary>
    Stream,

    /// <summary>POST /upload?id= with a unique random body (up to 64 KiB): its length and SHA-256.</summary>
    Upload,

    /// <summary>GET /delay/3000?id=, given up by the client after a few milliseconds.</summary>
    AbortDelay,

    /// <summary>GET /bytes/4000000?id=, the client leaves after reading part of the body (checked as far as read).</summary>
    AbortDownload,

    /// <summary>GET /stream/64/16384?delayMs=20&amp;id=, the client leaves after a chunk or two (checked as far as read).</summary>
    AbortStream,

    /// <summary>POST /upload?id= that stops sending mid-body, then is given up.</summary>
    AbortUpload,

    /// <summary>GET /delay/5000?id= to the Echo with a 1 s RequestTimeout: 504.</summary>
    TimedOut,

    /// <summary>
    /// GET /stream/10/1000?delayMs=300&amp;id= to that Echo: its answer has started when the deadline passes, so Bridge
    /// cuts it; what arrived before the cut is checked against the pattern.
    /// </summary>
    TimedOutStream,
}
