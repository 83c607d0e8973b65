namespace Bridge.Testing.Isolation;

/// <summary>How a handler that goes on working after its answer (issue 10) ends that answer.</summary>
public enum AnswerEnd
{
    /// <summary>Content-Length 5, then 5 bytes: the answer ends with the write that reaches the length.</summary>
    ContentLengthReached,

    /// <summary>5 bytes, not flushed, then the response's <c>CompleteAsync()</c>.</summary>
    CompleteAsync,
}
