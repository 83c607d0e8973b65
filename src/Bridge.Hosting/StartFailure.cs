using System.Net.Sockets;
using System.Reflection;
using Bridge.Server.Options;
using Microsoft.Extensions.Options;

namespace Bridge.Hosting;

/// <summary>
/// What becomes of a <see cref="BridgeStartException"/>. Thrown from the host's start, the host logs it once
/// ("Hosting failed to start", the message without a stack trace). If nothing catches it (the usual
/// <c>await host.RunAsync()</c>), the process exits 1 at once instead of the runtime's crash (stack trace, exit 134):
/// the message is printed, as <c>NAME: message</c> on stderr, only if the host has not logged it. Code that catches
/// the exception (a test host) sees an ordinary exception.
/// </summary>
internal static class StartFailure
{
    private const int ExitCode = 1;
    private static int s_registered;

    /// <summary>Arranges the exit for an unhandled <see cref="BridgeStartException"/> (once per process).</summary>
    public static void ExitOnUnhandled()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
        }
    }

    /// <summary>Throws a <see cref="BridgeStartException"/> (the exit arranged first).</summary>
    public static BridgeStartException Throw(IReadOnlyList<string> failures)
    {
        ExitOnUnhandled();
        throw new BridgeStartException(failures);
    }

    /// <summary>
    /// Starts Bridge (<paramref name="start"/> reads the options, so validation happens here, then binds): invalid
    /// options and listeners the machine refuses become one <see cref="BridgeStartException"/>, which the host logs.
    /// </summary>
    public static async Task RunAsync(Func<Task> start)
    {
        ExitOnUnhandled();
        BridgeStartException failure;
        try
        {
            await start().ConfigureAwait(false);
            return;
        }
        catch (OptionsValidationException ex) when (ex.OptionsType == typeof(BridgeOptions))
        {
            failure = new BridgeStartException([.. ex.Failures], ex);
        }
        catch (BridgeStartException ex)
        {
            failure = ex;
        }
        catch (Exception ex) when (ex is IOException or SocketException or UnauthorizedAccessException)
        {
            failure = new BridgeStartException(ex.Message, ex);
        }

        failure.Logged = true; // the host logs every start failure
        throw failure;
    }

    private static void OnUnhandledException(object sender, UnhandledExceptionEventArgs e)
    {
        var failure = e.ExceptionObject switch
        {
            BridgeStartException start => start,
            AggregateException { InnerExceptions: [BridgeStartException start] } => start,
            _ => null,
        };
        if (failure is null)
        {
            return;
        }

        if (!failure.Logged)
        {
            var name = Assembly.GetEntryAssembly()?.GetName().Name ?? "bridge";
            foreach (var line in failure.Failures)
            {
                Console.Error.WriteLine(name + ": " + line);
            }
        }

        Console.Error.Flush();
        Environment.Exit(ExitCode);
    }
}
