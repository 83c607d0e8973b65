namespace Bridge.Integration.Tests.Fixtures;

/// <summary>The apps that answer shared/echo-app.md on Bridge; every Echo test runs against each.</summary>
public enum EchoApp
{
    /// <summary>src/Samples/Bridge.Samples.Echo: a native Bridge application.</summary>
    Native,

    /// <summary>src/Samples/Bridge.Samples.AspNetCore: the same routes as ASP.NET Core minimal APIs, on <c>UseBridge()</c>.</summary>
    AspNetCore,
}
