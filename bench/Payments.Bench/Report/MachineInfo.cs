using System.Runtime.InteropServices;
using Payments.Bench.Infrastructure;

namespace Payments.Bench.Report;

/// <summary>The machine the numbers were measured on, as the report's header states it.</summary>
internal sealed record MachineInfo(string CpuModel, int Cores, double MemoryGigabytes, string PostgresVersion, string DotnetRuntime, string Os, double LoadAverage)
{
    public static async Task<MachineInfo> ReadAsync(BenchDatabase database, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(database);
        return new MachineInfo(ProcFs.CpuModel(), ProcFs.CpuCount(), ProcFs.MemTotalBytes() / 1073741824.0,
            await database.ServerVersionAsync(cancellation), RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, ProcFs.LoadAverage());
    }
}
