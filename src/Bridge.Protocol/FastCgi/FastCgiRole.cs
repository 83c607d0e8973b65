namespace Bridge.Protocol.FastCgi;

/// <summary>The role in BEGIN_REQUEST (spec §6). nginx and Apache only ever ask for <see cref="Responder"/>.</summary>
public enum FastCgiRole : ushort
{
    /// <summary>Answer an HTTP request: the only role Bridge serves.</summary>
    Responder = 1,

    /// <summary>Authorise a request (answered with UNKNOWN_ROLE).</summary>
    Authorizer = 2,

    /// <summary>Filter a file (answered with UNKNOWN_ROLE).</summary>
    Filter = 3,
}
