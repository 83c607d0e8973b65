namespace Bridge.Samples.AspNetCore;

/// <summary>The JSON body of POST /api/orders.</summary>
internal sealed record Order(string Item, int Quantity);
