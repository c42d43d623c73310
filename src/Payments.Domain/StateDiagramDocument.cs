using System.Text;
using Stateless.Reflection;

namespace Payments.Domain;

/// <summary>
/// Renders <c>docs/state-diagram.md</c> from the machines' own configuration: the Mermaid diagrams, the outcome of
/// every (state, trigger) pair, and what fires each trigger at Checkout.com. Nothing here is written by hand.
/// </summary>
public static class StateDiagramDocument
{
    public const string RegenerateCommand = "scripts/diagram.sh";

    public static string Render()
    {
        var paymentState = PaymentStatus.Requested;
        var payment = Machines.Payment(new Payment(), () => paymentState, s => paymentState = s).GetInfo();
        var refundState = RefundStatus.Requested;
        var refund = Machines.Refund(new Refund(Guid.Empty, 0, null, RefundStatus.Requested, null, default, default),
            () => refundState, s => refundState = s).GetInfo();

        var doc = new StringBuilder();
        doc.AppendLine("# Payment state machines")
            .AppendLine()
            .AppendLine($"<!-- Generated from src/Payments.Domain/Machines.cs by `{RegenerateCommand}`. Do not edit: a test fails when this file differs. -->")
            .AppendLine()
            .AppendLine("Every (state, trigger) pair has exactly one meaning: a **transition** (`→ State`), a **recorded re-entry**")
            .AppendLine("(`↺`: the state stays, the fact is written), a **no-op** (`–`: a duplicate or late fact, written nowhere but")
            .AppendLine("the webhook record), or **not permitted** (`✗`). A provider fact that is not permitted is a contradiction: the")
            .AppendLine("payment is flagged for review and nothing is applied. The merchant's refund command that is not permitted is")
            .AppendLine("refused (409 `payment_not_refundable`, or 422 `refund_amount_invalid` when a guard fails). Guards are in brackets.")
            .AppendLine()
            .AppendLine("## Payment")
            .AppendLine()
            .AppendLine("```mermaid")
            .AppendLine(Machines.PaymentDiagram().TrimEnd())
            .AppendLine("```")
            .AppendLine();
        AppendMatrix(doc, payment, Enum.GetValues<PaymentStatus>(), Enum.GetValues<PaymentTrigger>());
        doc.AppendLine()
            .AppendLine("## Refund")
            .AppendLine()
            .AppendLine("Each refund has its own life. When a refund succeeds, the payment machine decides between")
            .AppendLine("`PartiallyRefunded` and `Refunded` (`RefundSucceeded` above).")
            .AppendLine()
            .AppendLine("```mermaid")
            .AppendLine(Machines.RefundDiagram().TrimEnd())
            .AppendLine("```")
            .AppendLine();
        AppendMatrix(doc, refund, Enum.GetValues<RefundStatus>(), Enum.GetValues<RefundTrigger>());
        doc.AppendLine()
            .AppendLine("## What fires each trigger")
            .AppendLine()
            .AppendLine("| Machine | Trigger | Fired by | Webhook type |")
            .AppendLine("|---|---|---|---|");
        foreach (var source in TriggerCatalog.Payment.Concat(TriggerCatalog.Refund))
        {
            doc.AppendLine($"| {source.Machine} | `{source.Trigger}` | {source.FiredBy} | {(source.WebhookType is { } w ? $"`{w}`" : "")} |");
        }

        return doc.ToString();
    }

    private static void AppendMatrix<TState, TTrigger>(
        StringBuilder doc, StateMachineInfo info, TState[] states, TTrigger[] triggers)
        where TState : struct, Enum
        where TTrigger : struct, Enum
    {
        doc.Append("| Trigger \\ State |");
        foreach (var state in states)
        {
            doc.Append($" {state} |");
        }

        doc.AppendLine().Append("|---|").AppendLine(string.Concat(Enumerable.Repeat("---|", states.Length)));
        foreach (var trigger in triggers)
        {
            doc.Append($"| `{trigger}` |");
            foreach (var state in states)
            {
                doc.Append($" {Cell(info, state, trigger)} |");
            }

            doc.AppendLine();
        }
    }

    private static string Cell<TState, TTrigger>(StateMachineInfo info, TState state, TTrigger trigger)
        where TState : struct, Enum
        where TTrigger : struct, Enum
    {
        var stateInfo = info.States.Single(s => s.UnderlyingState.Equals(state));
        var entries = new List<string>();
        foreach (var t in stateInfo.FixedTransitions.Where(t => t.Trigger.UnderlyingTrigger.Equals(trigger)))
        {
            var to = t.DestinationState.UnderlyingState.Equals(state) ? "↺" : $"→ {t.DestinationState.UnderlyingState}";
            entries.Add(to + Guards(t));
        }

        entries.AddRange(stateInfo.IgnoredTriggers
            .Where(t => t.Trigger.UnderlyingTrigger.Equals(trigger))
            .Select(t => "–" + Guards(t)));

        return entries.Count == 0 ? "✗" : string.Join("<br>", entries);
    }

    private static string Guards(TransitionInfo transition)
    {
        var guards = transition.GuardConditionsMethodDescriptions.Select(g => g.Description).ToList();
        return guards.Count == 0 ? "" : $" [{string.Join(", ", guards)}]";
    }
}
