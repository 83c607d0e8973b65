namespace Bridge.Samples.AspNetCore;

/// <summary>The 201 answer of POST /api/orders.</summary>
internal sealed record OrderCreated(int Id, string Item, int Quantity);
