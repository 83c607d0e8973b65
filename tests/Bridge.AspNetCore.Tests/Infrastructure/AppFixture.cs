using Microsoft.AspNetCore.Builder;

namespace Bridge.AspNetCore.Tests.Infrastructure;

/// <summary>One app for a test class (<c>IClassFixture</c>): the class's endpoints, started once.</summary>
public abstract class AppFixture : IAsyncLifetime
{
    private BridgeApp? _app;

    internal BridgeApp App => _app ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>Signals between an endpoint and its test, by name (use a fresh name per test).</summary>
    internal Signals Signals { get; } = new();

    public async Task InitializeAsync() => _app = await BridgeApp.StartAsync(Map, Build);

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    protected abstract void Map(WebApplication app);

    protected virtual void Build(WebApplicationBuilder builder)
    {
    }
}
