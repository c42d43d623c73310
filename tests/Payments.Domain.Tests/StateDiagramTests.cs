using Payments.Domain;
using Shouldly;

namespace Payments.Domain.Tests;

public class StateDiagramTests
{
    [Fact]
    public void the_committed_diagram_is_what_the_machines_generate()
    {
        var committed = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "state-diagram.md"));

        committed.ShouldBe(StateDiagramDocument.Render(),
            $"docs/state-diagram.md is stale: run {StateDiagramDocument.RegenerateCommand}");
    }

    [Fact]
    public void the_diagrams_are_mermaid_state_diagrams_with_named_guards()
    {
        var payment = Machines.PaymentDiagram();

        payment.ShouldStartWith("stateDiagram-v2");
        payment.ShouldContain("CapturePending --> Captured : CaptureReported [captured amount equals requested amount]");
        payment.ShouldContain("Captured --> PartiallyRefunded : RefundSucceeded [refunded total stays below captured]");
        payment.ShouldContain("[*] --> Requested");
        Machines.RefundDiagram().ShouldContain("Pending --> Succeeded : RefundReported [refunded amount equals requested amount]");
    }

    [Fact]
    public void every_knet_webhook_type_fires_a_trigger()
    {
        TriggerCatalog.WebhookTypes.Order().ShouldBe([
            "payment_canceled", "payment_capture_declined", "payment_capture_pending", "payment_captured",
            "payment_expired", "payment_pending", "payment_refund_declined", "payment_refund_pending", "payment_refunded",
        ]);
        TriggerCatalog.Payment.Select(s => s.Trigger).ShouldBe(Enum.GetNames<PaymentTrigger>());
        TriggerCatalog.Refund.Select(s => s.Trigger).ShouldBe(Enum.GetNames<RefundTrigger>());
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Payments.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Payments.sln not found above the test binaries");
    }
}
