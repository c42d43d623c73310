using System.Diagnostics;
using System.Globalization;
using Marten;
using Marten.Internal.Sessions;
using Payments.Bench.Infrastructure;
using Payments.Bench.Report;
using Payments.Domain;
using Payments.Host.TamperEvidence;

namespace Payments.Bench.Figures;

/// <summary>
/// What the tamper-evident log costs per append (docs/architecture.md, "Tamper-evident log"): the same append as the
/// handlers make it (<c>FetchForWriting</c>, one event, <c>SaveChangesAsync</c>), one writer, through the host's own
/// store, with the chain's session listener and, in the same run, with it taken off the session. The two modes
/// alternate in each repeat, so drift on a shared machine falls on both.
/// </summary>
internal sealed class ChainAppendFigure : IFigure
{
    private const int Streams = 200;

    public string Key => "chain";

    public async Task<IReadOnlyList<FigureRow>> RunAsync(BenchContext context, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var appends = context.Options.Quick ? 300 : 2000;
        var repeats = Math.Max(3, context.Options.Repeats);
        await using var seed = await SeedStore.CreateAsync(context.Options.ConnectionString, cancellation);
        var store = seed.Store;
        var ids = Enumerable.Range(0, Streams).Select(_ => Guid.CreateVersion7()).ToArray();
        foreach (var id in ids)
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream<Payment>(id,
                new PaymentRequested(id, new KnetPaymentRequest { Amount = 1000, Language = "en", Reference = "BENCH" }, DateTimeOffset.UtcNow),
                new PaymentPending(id, "pay_bench", "https://knet.example/pay", DateTimeOffset.UtcNow));
            await session.SaveChangesAsync(cancellation);
        }

        var next = 0;
        async Task<double> MillisecondsPerAppend(bool chained, int count)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                var id = ids[next++ % ids.Length];
                await using var session = store.LightweightSession();
                if (!chained)
                {
                    var listeners = ((QuerySession)session).Listeners;
                    foreach (var listener in listeners.OfType<EventChainListener>().ToList())
                    {
                        listeners.Remove(listener);
                    }
                }

                var stream = await session.Events.FetchForWriting<Payment>(id, cancellation);
                stream.AppendOne(new PaymentFlaggedForReview(id, "bench", PaymentStatus.Pending, "bench", DateTimeOffset.UtcNow));
                await session.SaveChangesAsync(cancellation);
            }

            return clock.Elapsed.TotalMilliseconds / count;
        }

        // JIT and pools warm for both paths before anything counts.
        await MillisecondsPerAppend(true, 50);
        await MillisecondsPerAppend(false, 50);
        var with = new List<double>();
        var without = new List<double>();
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            if (repeat % 2 == 0)
            {
                with.Add(await MillisecondsPerAppend(true, appends));
                without.Add(await MillisecondsPerAppend(false, appends));
            }
            else
            {
                without.Add(await MillisecondsPerAppend(false, appends));
                with.Add(await MillisecondsPerAppend(true, appends));
            }

            BenchContext.Log(string.Create(CultureInfo.InvariantCulture, $"  chain: {with[^1]:F2} ms/append with, {without[^1]:F2} without"));
        }

        return
        [
            new FigureRow("Append with the hash chain (FetchForWriting + 1 event + SaveChanges, 1 writer)", Spread.Of(with), "ms/append", "N2",
                "the same append without the chain", Spread.Of(without), Target.None, TargetOnRatio: false,
                [
                    string.Create(CultureInfo.InvariantCulture,
                        $"{Streams} payment streams (requested, pending); each repeat appends {appends:N0} review flags round-robin over them, " +
                        $"one session per append as a handler does, once with the host's store as configured (the chain's session listener: " +
                        $"one head query, the hashes, the headers) and once with the listener removed from each session; the two modes alternate " +
                        $"order between repeats. Repeats: {repeats}."),
                ],
                []),
        ];
    }
}
