using System.Buffers;

namespace Bridge.Benchmarks;

/// <summary>
/// Loads the nginx captures the csproj copies beside the binaries (vectors/{uwsgi,fastcgi}/...). BenchmarkDotNet
/// runs each benchmark from a generated project whose output gets the same copies.
/// </summary>
internal static class Captures
{
    public static ReadOnlySequence<byte> Load(string relativePath)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "vectors", relativePath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Capture '{relativePath}' was not copied beside the benchmarks; check the <None Include> items in Bridge.Benchmarks.csproj.", path);
        }

        return new ReadOnlySequence<byte>(File.ReadAllBytes(path));
    }
}
