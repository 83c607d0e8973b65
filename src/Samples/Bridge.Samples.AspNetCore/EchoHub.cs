using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;

namespace Bridge.Samples.AspNetCore;

/// <summary>The SignalR hub at /hub/echo: <c>Echo</c> returns its argument, <c>Count</c> streams 1..n.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "SignalR invokes hub methods on a hub instance.")]
internal sealed class EchoHub : Hub
{
    public string Echo(string message) => message;

    public async IAsyncEnumerable<int> Count(int n, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 1; i <= n; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return i;
            await Task.Yield();
        }
    }
}
