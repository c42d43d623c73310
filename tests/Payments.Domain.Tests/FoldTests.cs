using Payments.Domain;
using Shouldly;
using static Payments.Domain.Tests.Given;

namespace Payments.Domain.Tests;

/// <summary>
/// An event store keeps events of its own beside ours (Marten's Tombstone, Archived) and a newer version may write types
/// this one does not know: the fold passes over anything that is not a payment event (docs/architecture.md, Projections).
/// </summary>
public class when_the_fold_meets_an_event_that_is_not_the_payments
{
    /// <summary>Stands for any such event: the domain cannot name the store's types, only tell them from its own.</summary>
    private sealed record SomethingElse(string What);

    [Fact]
    public void before_the_first_payment_event_there_is_still_no_payment()
    {
        Payment.Evolve(null, new SomethingElse("tombstone")).ShouldBeNull();
    }

    [Fact]
    public void after_it_only_the_version_moves()
    {
        var captured = Fold(History(PaymentStatus.Captured));

        var after = Payment.Evolve(captured, new SomethingElse("archived"));

        Json(after).ShouldBe(Json(captured with { Version = 5 }));
    }

    [Fact]
    public void a_stream_that_starts_with_others_events_folds_from_its_payment_requested()
    {
        object[] stream = [new SomethingElse("tombstone"), .. History(PaymentStatus.Captured)];

        var folded = stream.Aggregate((Payment?)null, Payment.Evolve);

        Json(folded).ShouldBe(Json(Fold(History(PaymentStatus.Captured))));
    }

    [Fact]
    public void a_payment_event_before_payment_requested_is_still_a_broken_stream()
    {
        Should.Throw<InvalidOperationException>(() => Payment.Evolve(null, new PaymentPending(PaymentId, CheckoutId, Redirect, At(1))))
            .Message.ShouldBe("A payment stream must start with PaymentRequested, not PaymentPending.");
    }

    [Fact]
    public void the_auditor_passes_over_it_without_a_finding()
    {
        AuditedEvent[] stream =
        [
            new(new SomethingElse("tombstone"), 1, At(0), null),
            .. History(PaymentStatus.Captured).Select((e, i) => new AuditedEvent(e, i + 2, e.At, "http:test")),
            new(new SomethingElse("archived"), 6, At(9), null),
        ];

        StreamAudit.Check(PaymentId, stream, At(30), TimeSpan.FromHours(1)).ShouldBeEmpty();
    }
}
