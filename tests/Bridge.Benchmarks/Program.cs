using BenchmarkDotNet.Running;

// dotnet run -c Release -- --filter '*'   (see README.md)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
