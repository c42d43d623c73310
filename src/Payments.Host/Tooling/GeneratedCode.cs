using JasperFx;
using JasperFx.CodeGeneration;

namespace Payments.Host.Tooling;

/// <summary>
/// Wolverine's code for our handlers and endpoints is compiled with Roslyn at run time in Development (and so in the
/// tests), where handlers change; in every other environment it is the code committed under
/// <c>Internal/Generated</c> (<c>scripts/codegen.sh</c>), compiled into this assembly, so no node of a fleet compiles at
/// start or at its first requests. A type missing from the assembly stops the start (docs/architecture.md, "Generated code").
/// </summary>
public static class GeneratedCode
{
    public static IServiceCollection AddPreGeneratedCodeOutsideDevelopment(this IServiceCollection services) =>
        // Only the code generation mode changes: both profiles keep creating or updating the schema at start.
        services.CritterStackDefaults(options =>
        {
            options.Production.GeneratedCodeMode = TypeLoadMode.Static;
            options.Production.AssertAllPreGeneratedTypesExist = true;
        });
}
