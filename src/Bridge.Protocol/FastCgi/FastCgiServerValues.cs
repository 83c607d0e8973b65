namespace Bridge.Protocol.FastCgi;

/// <summary>What GET_VALUES_RESULT reports (spec §4.1).</summary>
/// <param name="MaxConnections">FCGI_MAX_CONNS: connections the application accepts at once.</param>
/// <param name="MaxRequests">FCGI_MAX_REQS: requests it serves at once.</param>
/// <param name="MultiplexesConnections">FCGI_MPXS_CONNS: whether one connection may carry several requests at once.</param>
public readonly record struct FastCgiServerValues(int MaxConnections, int MaxRequests, bool MultiplexesConnections);
