using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Bridge.Integration.Tests.Fixtures;

/// <summary>
/// libfcgi's <c>cgi-fcgi -bind -connect SOCKET</c> (Debian's libfcgi-bin): the CGI-to-FastCGI bridge a CGI-only web
/// server runs as a CGI program. It sends its environment as PARAMS and its stdin as STDIN, and writes the
/// FastCGI app's STDOUT (a CGI response: Status and headers, a blank line, the body) to its stdout. The tests give
/// it the environment a CGI web server would.
/// </summary>
internal static class CgiFcgi
{
    public const string Executable = "/usr/bin/cgi-fcgi";

    public static async Task<CgiResponse> SendAsync(string socketPath, string method, string uri, byte[]? body = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        var query = uri.IndexOf('?', StringComparison.Ordinal);
        var info = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add("-bind");
        info.ArgumentList.Add("-connect");
        info.ArgumentList.Add(socketPath);
        info.Environment.Clear();
        info.Environment["GATEWAY_INTERFACE"] = "CGI/1.1";
        info.Environment["SERVER_SOFTWARE"] = "cgi-fcgi";
        info.Environment["REQUEST_METHOD"] = method;
        info.Environment["REQUEST_URI"] = uri;
        info.Environment["SCRIPT_NAME"] = "";
        info.Environment["PATH_INFO"] = Uri.UnescapeDataString(query < 0 ? uri : uri[..query]);
        info.Environment["QUERY_STRING"] = query < 0 ? "" : uri[(query + 1)..];
        info.Environment["SERVER_PROTOCOL"] = "HTTP/1.1";
        info.Environment["SERVER_NAME"] = "localhost";
        info.Environment["SERVER_PORT"] = "8080";
        info.Environment["REMOTE_ADDR"] = "127.0.0.1";
        info.Environment["REMOTE_PORT"] = "40000";
        info.Environment["HTTP_HOST"] = "localhost:8080";
        if (body is not null)
        {
            info.Environment["CONTENT_LENGTH"] = body.Length.ToString(CultureInfo.InvariantCulture);
            info.Environment["CONTENT_TYPE"] = "application/octet-stream";
        }

        foreach (var (name, value) in headers ?? [])
        {
            info.Environment["HTTP_" + name.ToUpperInvariant().Replace('-', '_')] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("cgi-fcgi did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        using var output = new MemoryStream();
        var read = process.StandardOutput.BaseStream.CopyToAsync(output, timeout.Token);
        if (body is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(body, timeout.Token);
        }

        process.StandardInput.Close();
        await read;
        await process.WaitForExitAsync(timeout.Token);
        return CgiResponse.Parse(process.ExitCode, output.ToArray(), await error);
    }
}

/// <summary>What cgi-fcgi wrote: a CGI response (Status header, other headers, blank line, body).</summary>
internal sealed record CgiResponse(int ExitCode, int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, string Error)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public IEnumerable<string> Header(string name) => Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    public static CgiResponse Parse(int exitCode, byte[] output, string error)
    {
        var end = output.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new InvalidDataException($"cgi-fcgi (exit {exitCode}) wrote no complete CGI head: {Encoding.UTF8.GetString(output)}\n{error}");
        }

        var headers = new List<(string, string)>();
        var status = 200;
        foreach (var line in Encoding.Latin1.GetString(output, 0, end).Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                status = int.Parse(value.AsSpan(0, 3), CultureInfo.InvariantCulture);
            }

            headers.Add((name, value));
        }

        return new CgiResponse(exitCode, status, headers, output[(end + 4)..], error);
    }
}
