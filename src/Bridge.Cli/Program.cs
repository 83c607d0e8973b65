using Bridge.Cli;

return await CliCommand.RunAsync(args);
