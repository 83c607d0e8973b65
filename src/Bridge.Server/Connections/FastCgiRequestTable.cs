using System.Collections.Concurrent;
using Bridge.Protocol.FastCgi;

namespace Bridge.Server.Connections;

/// <summary>
/// The requests of one FastCGI connection: the active ones by id, the free objects for the next BEGIN_REQUEST,
/// and the two hand-overs from request tasks to the read loop (an id whose END_REQUEST is written; an object
/// whose request is fully over). Only the read loop begins, finds and frees requests, so the decoder and the
/// lists need no lock; the heartbeat reads the active list under its lock.
/// </summary>
internal sealed class FastCgiRequestTable
{
    private readonly List<FastCgiRequest> _active = [];
    private readonly Stack<FastCgiRequest> _free = new();
    private readonly ConcurrentQueue<ushort> _endedIds = new();
    private readonly ConcurrentQueue<FastCgiRequest> _returned = new();

    /// <summary>Read loop: takes a free object (or makes one) for a new request.</summary>
    public FastCgiRequest Begin(ushort requestId, bool keepConnection, Func<FastCgiRequest> create)
    {
        var request = _free.Count > 0 ? _free.Pop() : create();
        request.Begin(requestId, keepConnection);
        lock (_active)
        {
            _active.Add(request);
        }

        return request;
    }

    /// <summary>Read loop: the active request with this id.</summary>
    public FastCgiRequest Find(ushort requestId)
    {
        foreach (var request in _active)
        {
            if (request.RequestId == requestId)
            {
                return request;
            }
        }

        throw new InvalidOperationException($"FastCGI request {requestId} is active in the decoder but unknown to the connection.");
    }

    /// <summary>Read loop: the active request with this id, if any.</summary>
    public FastCgiRequest? TryFind(ushort requestId)
    {
        foreach (var request in _active)
        {
            if (request.RequestId == requestId)
            {
                return request;
            }
        }

        return null;
    }

    /// <summary>Any thread, under the output lock, as END_REQUEST is written: the id is free once the read loop sees it.</summary>
    public void Ended(ushort requestId) => _endedIds.Enqueue(requestId);

    /// <summary>Any thread: the request is fully over (END_REQUEST written, app finished); its object may serve another.</summary>
    public void Returned(FastCgiRequest request) => _returned.Enqueue(request);

    /// <summary>Read loop: frees the ids whose END_REQUEST was written and takes back the objects that are over.</summary>
    public void ApplyEnded(FastCgiRequestDecoder decoder)
    {
        while (_endedIds.TryDequeue(out var id))
        {
            decoder.Complete(id);
            var ended = Find(id);
            if (ended.EndedBeforeStdin)
            {
                ended.OnEndedBeforeStdin();
            }

            lock (_active)
            {
                _active.Remove(ended);
            }
        }

        while (_returned.TryDequeue(out var request))
        {
            _free.Push(request);
        }
    }

    /// <summary>Read loop: some running request still waits for its STDIN (a body read: its timeouts apply).</summary>
    public bool AwaitsStdin()
    {
        foreach (var request in _active)
        {
            if (request.AwaitingStdin)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Heartbeat.</summary>
    public void CheckDeadlines(long now)
    {
        lock (_active)
        {
            foreach (var request in _active)
            {
                if (request.Started && now >= request.Context.Deadline.At)
                {
                    request.Context.OnDeadline();
                }
            }
        }
    }

    /// <summary>Any thread: the connection is being cut; every started request's RequestAborted fires.</summary>
    public void CancelAll()
    {
        lock (_active)
        {
            foreach (var request in _active)
            {
                if (request.Started)
                {
                    request.Context.CancelRequest();
                }
            }
        }
    }

    /// <summary>Read loop, as it ends: every request still active learns that the connection is gone.</summary>
    public void AbortAll()
    {
        foreach (var request in _active)
        {
            request.AbortFromConnection();
        }
    }

    /// <summary>Before the processor serves another connection (no request task of this one runs any more).</summary>
    public void Clear()
    {
        lock (_active)
        {
            _active.Clear();
        }

        _endedIds.Clear();
        while (_returned.TryDequeue(out var request))
        {
            _free.Push(request);
        }
    }
}
