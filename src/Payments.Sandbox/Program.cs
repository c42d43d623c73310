using Payments.Sandbox;

await SandboxApp.Build(args).RunAsync();

/// <summary>The sandbox's entry point.</summary>
public partial class Program;
