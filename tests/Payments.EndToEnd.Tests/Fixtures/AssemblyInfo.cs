// Each test starts the whole stack, and Program.cs takes its configuration from the process environment while
// building; WebApplicationFactory's host interception is not safe for concurrent builds either. One at a time.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
