using System.Collections;
using Microsoft.AspNetCore.Http.Features;

namespace Bridge.AspNetCore;

/// <summary>
/// The <see cref="IFeatureCollection"/> plumbing: features the server implements are answered by one object
/// (<see cref="GetBuiltIn"/>); anything set later (by HttpContext or middleware, e.g. response compression
/// replacing the body feature) is kept in a small list that takes precedence, and is cleared per request.
/// </summary>
internal abstract class FeatureCollectionBase : IFeatureCollection
{
    private readonly List<KeyValuePair<Type, object?>> _set = new(8);

    public bool IsReadOnly => false;

    public int Revision { get; private set; }

    public object? this[Type key]
    {
        get
        {
            foreach (var (type, value) in _set)
            {
                if (type == key)
                {
                    return value;
                }
            }

            return GetBuiltIn(key);
        }

        set
        {
            ArgumentNullException.ThrowIfNull(key);
            value = OnSet(key, value);
            for (var i = 0; i < _set.Count; i++)
            {
                if (_set[i].Key == key)
                {
                    _set[i] = new(key, value);
                    Revision++;
                    return;
                }
            }

            _set.Add(new(key, value));
            Revision++;
        }
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        foreach (var (type, value) in _set)
        {
            if (value is not null)
            {
                yield return new(type, value);
            }
        }

        foreach (var type in BuiltInTypes)
        {
            if (!_set.Exists(p => p.Key == type) && GetBuiltIn(type) is { } feature)
            {
                yield return new(type, feature);
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    protected abstract IReadOnlyList<Type> BuiltInTypes { get; }

    protected abstract object? GetBuiltIn(Type key);

    /// <summary>What is stored when a feature is set: <paramref name="value"/>, or something the server puts around it.</summary>
    protected virtual object? OnSet(Type key, object? value) => value;

    protected void ResetFeatures()
    {
        _set.Clear();
        Revision++;
    }
}
