// Each test starts the whole stack, and Program.cs takes its configuration from the process environment while
// building; WebApplicationFactory's host interception is not safe for concurrent builds either. One at a time; the
// tests of real host processes form a second collection beside this one (Fixtures/RealProcesses.cs).
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
