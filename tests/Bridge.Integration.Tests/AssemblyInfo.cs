using System.Runtime.Versioning;

// Unix sockets, file modes, signals and a Debian nginx: these tests run on Linux only.
[assembly: SupportedOSPlatform("linux")]
