using System.IO.Compression;
using System.Text;
using Bridge.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace Bridge.AspNetCore.Tests;

/// <summary>Stock middleware over Bridge's features: exception handler, static files, compression, routing, path base.</summary>
public sealed class MiddlewareTests
{
    private static readonly string FileText = string.Concat(Enumerable.Range(0, 50).Select(i => $"line {i} of a static file\n"));

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task UseExceptionHandler_answers_a_thrown_exception_with_the_error_page(Front front)
    {
        await using var app = await BridgeApp.StartAsync(web =>
        {
            web.UseExceptionHandler("/error");
            web.MapGet("/fail", (HttpContext _) => throw new InvalidOperationException("the reason"));
            web.Map("/error", (HttpContext context) => "handled: " + context.Features.Get<IExceptionHandlerFeature>()?.Error.Message);
        });

        var response = await app.SendAsync(front, TestRequest.Get("/fail"));

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("handled: the reason", response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task UseStaticFiles_serves_a_file_with_validators(Front front)
    {
        await using var files = await StaticFilesAppAsync();

        var response = await files.App.SendAsync(front, TestRequest.Get("/hello.txt"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(FileText, response.BodyText);
        Assert.Equal(Encoding.UTF8.GetByteCount(FileText).ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("Content-Length"));
        Assert.StartsWith("text/plain", response.Header("Content-Type"), StringComparison.Ordinal);
        Assert.NotNull(response.Header("ETag"));
        Assert.NotNull(response.Header("Last-Modified"));
        Assert.Equal("bytes", response.Header("Accept-Ranges"));
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task UseStaticFiles_answers_a_range_request_with_206_and_Content_Range(Front front)
    {
        await using var files = await StaticFilesAppAsync();

        var response = await files.App.SendAsync(front, TestRequest.Get("/hello.txt").WithHeader("Range", "bytes=0-9"));

        Assert.Equal(206, response.StatusCode);
        Assert.Equal($"bytes 0-9/{Encoding.UTF8.GetByteCount(FileText)}", response.Header("Content-Range"));
        Assert.Equal("10", response.Header("Content-Length"));
        Assert.Equal(FileText[..10], response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi, "If-None-Match")]
    [InlineData(Front.FastCgi, "If-None-Match")]
    [InlineData(Front.Uwsgi, "If-Modified-Since")]
    [InlineData(Front.FastCgi, "If-Modified-Since")]
    public async Task UseStaticFiles_answers_a_conditional_request_for_an_unchanged_file_with_304_and_no_body(Front front, string condition)
    {
        await using var files = await StaticFilesAppAsync();
        var first = await files.App.SendAsync(front, TestRequest.Get("/hello.txt"));
        var validator = condition == "If-None-Match" ? first.Header("ETag")! : first.Header("Last-Modified")!;

        var response = await files.App.SendAsync(front, TestRequest.Get("/hello.txt").WithHeader(condition, validator));

        Assert.Equal(304, response.StatusCode);
        Assert.Empty(response.Body);
        Assert.Equal(first.Header("ETag"), response.Header("ETag"));
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task UseResponseCompression_gzips_the_body_when_the_client_accepts_gzip(Front front)
    {
        await using var app = await BridgeApp.StartAsync(
            web =>
            {
                web.UseResponseCompression();
                web.MapGet("/text", () => Results.Text(FileText, "text/plain"));
            },
            builder => builder.Services.AddResponseCompression(o => o.EnableForHttps = true));

        var response = await app.SendAsync(front, TestRequest.Get("/text").WithHeader("Accept-Encoding", "gzip"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("gzip", response.Header("Content-Encoding"));
        Assert.Contains("Accept-Encoding", response.Header("Vary") ?? "", StringComparison.Ordinal);
        using var gzip = new GZipStream(new MemoryStream(response.Body), CompressionMode.Decompress);
        using var text = new StreamReader(gzip, Encoding.UTF8);
        Assert.Equal(FileText, await text.ReadToEndAsync());
    }

    [Fact]
    public async Task UseResponseCompression_leaves_the_body_alone_without_Accept_Encoding()
    {
        await using var app = await BridgeApp.StartAsync(
            web =>
            {
                web.UseResponseCompression();
                web.MapGet("/text", () => Results.Text(FileText, "text/plain"));
            },
            builder => builder.Services.AddResponseCompression());

        var response = await app.SendAsync(Front.Uwsgi, TestRequest.Get("/text"));

        Assert.Null(response.Header("Content-Encoding"));
        Assert.Equal(FileText, response.BodyText);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task Routing_and_model_binding_take_route_query_and_header_values(Front front)
    {
        await using var app = await BridgeApp.StartAsync(web =>
            web.MapGet("/items/{id:int}", (int id, string? q, [FromHeader(Name = "X-Tenant")] string tenant) => $"{id}|{q}|{tenant}"));

        var response = await app.SendAsync(front, TestRequest.Get("/items/42?q=caf%C3%A9").WithHeader("X-Tenant", "acme"));
        var notAnInt = await app.SendAsync(front, TestRequest.Get("/items/abc").WithHeader("X-Tenant", "acme"));

        Assert.Equal("42|café|acme", response.BodyText);
        Assert.Equal(404, notAnInt.StatusCode);
    }

    [Fact]
    public async Task Routing_answers_405_for_a_method_an_endpoint_does_not_take()
    {
        await using var app = await BridgeApp.StartAsync(web => web.MapGet("/only-get", () => "ok"));

        var response = await app.SendAsync(Front.Uwsgi, TestRequest.Post("/only-get", "x"u8.ToArray()));

        Assert.Equal(405, response.StatusCode);
    }

    [Theory]
    [InlineData(Front.Uwsgi)]
    [InlineData(Front.FastCgi)]
    public async Task UsePathBase_moves_the_prefix_from_Path_to_PathBase(Front front)
    {
        await using var app = await BridgeApp.StartAsync(web =>
        {
            web.UsePathBase("/base");
            web.UseRouting();
            web.MapGet("/where", (HttpContext context) => $"{context.Request.PathBase}|{context.Request.Path}");
        });

        var response = await app.SendAsync(front, TestRequest.Get("/base/where"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("/base|/where", response.BodyText);
    }

    private static async Task<StaticFilesApp> StaticFilesAppAsync()
    {
        var root = Directory.CreateTempSubdirectory("bat-www-");
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "hello.txt"), FileText);
        try
        {
            var app = await BridgeApp.StartAsync(web => web.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(root.FullName) }));
            return new StaticFilesApp(app, root);
        }
        catch
        {
            root.Delete(recursive: true);
            throw;
        }
    }

    private sealed class StaticFilesApp(BridgeApp app, DirectoryInfo root) : IAsyncDisposable
    {
        public BridgeApp App { get; } = app;

        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            root.Delete(recursive: true);
        }
    }
}
