using System.Buffers;

namespace Bridge.Testing;

/// <summary>
/// One call of a reader on the bytes a connection holds: true when it consumed something (the buffer moved),
/// false when it needs more bytes (the buffer starts at what it left unconsumed).
/// </summary>
public delegate bool ReadStep(ref ReadOnlySequence<byte> buffer);
