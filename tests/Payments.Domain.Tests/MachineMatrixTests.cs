using Payments.Domain;
using Shouldly;
using static Payments.Domain.PaymentStatus;

namespace Payments.Domain.Tests;

/// <summary>
/// The whole (state × trigger) matrix of both machines, written as the specification it is. A cell is the state
/// the trigger leads to (the same state = a recorded re-entry), "-" for a no-op (duplicate or late), "x" for not
/// permitted (a contradiction for provider facts, a refusal for the merchant's refund command).
/// </summary>
public class MachineMatrixTests
{
    // Columns: CheckoutAccepted CheckoutRejected CheckoutDidNotAnswer PendingReported ApprovalReported CaptureReported
    //          CaptureDeclineReported CancellationReported ExpiryReported KnetDetailsReported RefundRequested RefundSucceeded
    //          SyncRequested NoRecordFound ChecksCancelRequested ReviewClearRequested (the operator's commands; a review
    //          flag is cleared on a flagged payment: on one without flags the command is a no-op)
    private static readonly Dictionary<PaymentStatus, string> PaymentMatrix = new()
    {
        [Requested] = "Pending Rejected Requested Pending CapturePending Captured Declined Canceled Expired Requested x x x Rejected Requested x",
        [Pending] = "- x - - CapturePending Captured Declined Canceled Expired Pending x x Pending x Pending x",
        [CapturePending] = "- x - - - Captured Declined Canceled Expired CapturePending x x CapturePending x CapturePending x",
        [Captured] = "- x - - - - x x x Captured Captured PartiallyRefunded Captured x x Captured",
        [PartiallyRefunded] = "- x - - - - x x x PartiallyRefunded PartiallyRefunded PartiallyRefunded PartiallyRefunded x x PartiallyRefunded",
        [Refunded] = "- x - - - - x x x Refunded x x Refunded x x Refunded",
        [Rejected] = "x - - x x x x x x x x x x x x Rejected",
        [Declined] = "- x - - - x - - - Declined x x Declined x x Declined",
        [Canceled] = "- x - - - x - - - Canceled x x Canceled x x Canceled",
        [Expired] = "- x - - - x - - - Expired x x Expired x x Expired",
    };

    // Columns: CheckoutAccepted CheckoutRefused CheckoutDidNotAnswer PendingReported RefundReported DeclineReported
    private static readonly Dictionary<RefundStatus, string> RefundMatrix = new()
    {
        [RefundStatus.Requested] = "Pending Declined Requested Pending Succeeded Declined",
        [RefundStatus.Pending] = "- x - - Succeeded Declined",
        [RefundStatus.Succeeded] = "- x - - - x",
        [RefundStatus.Declined] = "- - - - x -",
    };

    public static TheoryData<PaymentStatus, PaymentTrigger, string> PaymentCells() => Cells<PaymentStatus, PaymentTrigger>(PaymentMatrix);

    public static TheoryData<RefundStatus, RefundTrigger, string> RefundCells() => Cells<RefundStatus, RefundTrigger>(RefundMatrix);

    private static TheoryData<TState, TTrigger, string> Cells<TState, TTrigger>(Dictionary<TState, string> matrix)
        where TState : struct, Enum
        where TTrigger : struct, Enum
    {
        var columns = Enum.GetValues<TTrigger>();
        var data = new TheoryData<TState, TTrigger, string>();
        foreach (var (state, row) in matrix)
        {
            var cells = row.Split(' ');
            cells.Length.ShouldBe(columns.Length, $"row {state}");
            for (var i = 0; i < cells.Length; i++)
            {
                data.Add(state, columns[i], cells[i]);
            }
        }

        return data;
    }

    [Fact]
    public void the_matrices_cover_every_state_and_trigger()
    {
        PaymentMatrix.Keys.Order().ShouldBe(Enum.GetValues<PaymentStatus>());
        RefundMatrix.Keys.Order().ShouldBe(Enum.GetValues<RefundStatus>());
        PaymentCells().Count.ShouldBe(Enum.GetValues<PaymentStatus>().Length * Enum.GetValues<PaymentTrigger>().Length);
        RefundCells().Count.ShouldBe(Enum.GetValues<RefundStatus>().Length * Enum.GetValues<RefundTrigger>().Length);
    }

    [Theory]
    [MemberData(nameof(PaymentCells))]
    public void payment_machine_says_exactly_the_specified_outcome(PaymentStatus state, PaymentTrigger trigger, string expected)
    {
        var payment = trigger == PaymentTrigger.ReviewClearRequested ? Given.Flagged(state) : Given.In(state);
        object? argument = trigger switch
        {
            PaymentTrigger.CaptureReported => Given.Amount,
            PaymentTrigger.KnetDetailsReported => Given.Details,
            PaymentTrigger.RefundRequested or PaymentTrigger.RefundSucceeded => 100L,
            _ => null,
        };

        var outcome = Outcome.Of<PaymentStatus, PaymentTrigger>(
            (read, write) => Machines.Payment(payment, read, write), state, trigger, argument);

        Describe(outcome.Kind, outcome.To.ToString()).ShouldBe(expected, $"{state} × {trigger}");
    }

    [Theory]
    [MemberData(nameof(RefundCells))]
    public void refund_machine_says_exactly_the_specified_outcome(RefundStatus state, RefundTrigger trigger, string expected)
    {
        var refund = new Refund(Given.FirstRefund, 300, "r1", state, "act_r1", Given.T0, Given.T0);
        object? argument = trigger == RefundTrigger.RefundReported ? 300L : null;

        var outcome = Outcome.Of<RefundStatus, RefundTrigger>(
            (read, write) => Machines.Refund(refund, read, write), state, trigger, argument);

        Describe(outcome.Kind, outcome.To.ToString()).ShouldBe(expected, $"{state} × {trigger}");
    }

    private static string Describe(OutcomeKind kind, string to) => kind switch
    {
        OutcomeKind.Transition => to,
        OutcomeKind.NoOp => "-",
        _ => "x",
    };
}
