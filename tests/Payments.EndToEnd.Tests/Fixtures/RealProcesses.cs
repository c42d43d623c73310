namespace Payments.EndToEnd.Tests.Fixtures;

/// <summary>
/// The tests whose service runs as real processes (<c>dotnet Payments.Host.dll</c>, each with an environment of its
/// own, cleaned of what this process carries): they touch none of the process-wide state the in-process stacks
/// (<see cref="Wired"/>) depend on, so they run one at a time among themselves, beside those, not after them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RealProcesses
{
    public const string Name = "real processes";
}
