using Bridge.Server.Gateway;
using Bridge.Server.Listeners;
using Bridge.Server.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Bridge.Hosting;

/// <summary>
/// Checks the whole configuration at start and reports every problem at once, each naming its key; with the app's
/// configuration, also the keys and short options that look meant for Bridge but are unknown.
/// </summary>
internal sealed class BridgeOptionsValidator(IConfiguration? configuration = null) : IValidateOptions<BridgeOptions>
{
    public ValidateOptionsResult Validate(string? name, BridgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Listeners.Count == 0)
        {
            failures.Add("Bridge:Listeners is empty: give at least one, e.g. --listen unix:/run/app.sock or Bridge:Listeners:0:Address.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Listeners.Count; i++)
        {
            ValidateListener($"Bridge:Listeners:{i}", options.Listeners[i], seen, failures);
        }

        ValidateLimits(options.Limits, failures);
        if (!PathBaseRule.TryParse(options.PathBase, out _, out var pathBaseError))
        {
            failures.Add("Bridge:PathBase: " + pathBaseError + ".");
        }

        if (!FrontEndAllowList.TryCreate(options.AllowedFrontEnds, Environment.GetEnvironmentVariable(FrontEndAllowList.EnvironmentVariable), out _, out var errors))
        {
            failures.AddRange(errors.Select(e => "Bridge:AllowedFrontEnds: " + e + "."));
        }

        if (configuration is not null)
        {
            BridgeConfigurationKeys.FindUnknown(configuration, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateListener(string key, BridgeListenerOptions listener, HashSet<string> seen, List<string> failures)
    {
        if (!ListenAddress.TryParse(listener.Address, out var address, out var error))
        {
            failures.Add($"{key}:Address: {error}.");
        }
        else if (!seen.Add(address!.Text))
        {
            failures.Add($"{key}:Address: {address.Text} is listed twice.");
        }

        try
        {
            ListenSocketFactory.ParseMode(listener.SocketMode);
        }
        catch (FormatException ex)
        {
            failures.Add($"{key}:SocketMode: {ex.Message}");
        }

        if (listener.Backlog is < 1 or > 65535)
        {
            failures.Add($"{key}:Backlog: {listener.Backlog} is out of range 1..65535.");
        }
    }

    private static void ValidateLimits(BridgeLimits limits, List<string> failures)
    {
        Check(limits.MaxVarsBlockSize is >= 1 and <= 65535, "MaxVarsBlockSize", "1..65535 (a uwsgi datasize is a u16)");
        Check(limits.MaxVariables >= 1, "MaxVariables", "at least 1");
        Check(limits.MaxParamsSize >= 1, "MaxParamsSize", "at least 1");
        Check(limits.MaxMultiplexedRequests is >= 1 and <= 65535, "MaxMultiplexedRequests", "1..65535");
        Check(limits.MaxRequestBodySize is null or >= 0, "MaxRequestBodySize", "0 or more, or empty for no limit");
        Check(limits.RequestHeadTimeout > TimeSpan.Zero, "RequestHeadTimeout", "positive");
        Check(limits.BodyReadStallTimeout > TimeSpan.Zero, "BodyReadStallTimeout", "positive");
        Check(limits.MinRequestBodyDataRate is null or > 0, "MinRequestBodyDataRate", "positive (bytes per second), or empty for none");
        Check(limits.MinRequestBodyDataRateGracePeriod >= TimeSpan.Zero, "MinRequestBodyDataRateGracePeriod", "0 or more");
        Check(limits.MinResponseDataRate is null or > 0, "MinResponseDataRate", "positive (bytes per second), or empty for none");
        Check(limits.MinResponseDataRateGracePeriod >= TimeSpan.Zero, "MinResponseDataRateGracePeriod", "0 or more");
        Check(limits.FastCgiKeepAliveTimeout > TimeSpan.Zero, "FastCgiKeepAliveTimeout", "positive (keep it above nginx's keepalive_timeout, 60 s)");
        Check(limits.MaxConcurrentConnections >= 1, "MaxConcurrentConnections", "at least 1");
        Check(limits.MaxIoThreads >= 2, "MaxIoThreads", "at least 2 (one serves while another accepts)");
        Check(limits.ShutdownTimeout >= TimeSpan.Zero, "ShutdownTimeout", "0 or more");
        Check(limits.RequestTimeout is null || limits.RequestTimeout > TimeSpan.Zero, "RequestTimeout", "positive, or empty for none");
        Check(limits.ResponseHeadWarningSize >= 1, "ResponseHeadWarningSize", "at least 1");

        void Check(bool ok, string key, string expected)
        {
            if (!ok)
            {
                failures.Add($"Bridge:Limits:{key} must be {expected}.");
            }
        }
    }
}
