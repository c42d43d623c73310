using Stateless;

namespace Payments.Domain;

public enum OutcomeKind
{
    /// <summary>The machine permits the trigger: the decision writes its events.</summary>
    Transition,

    /// <summary>The machine ignores the trigger here: a duplicate or a late fact. Nothing is written.</summary>
    NoOp,

    /// <summary>The machine does not permit the trigger here (or a guard failed).</summary>
    NotPermitted,
}

/// <summary>What the machine said about one trigger in one state; <see cref="UnmetGuards"/> names failed guards.</summary>
public sealed record MachineOutcome<TState>(OutcomeKind Kind, TState From, TState To, IReadOnlyList<string> UnmetGuards)
    where TState : struct, Enum;

/// <summary>Asks a machine about one trigger without touching anything but a local copy of the state.</summary>
public static class Outcome
{
    public static MachineOutcome<TState> Of<TState, TTrigger>(
        Func<Func<TState>, Action<TState>, StateMachine<TState, TTrigger>> build, TState current, TTrigger trigger,
        object? argument = null)
        where TState : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(build);
        var state = current;
        var machine = build(() => state, s => state = s);
        MachineOutcome<TState>? outcome = null;
        machine.OnTransitioned(t => outcome = new MachineOutcome<TState>(OutcomeKind.Transition, current, t.Destination, []));
        machine.OnUnhandledTrigger((_, _, unmet) =>
            outcome = new MachineOutcome<TState>(OutcomeKind.NotPermitted, current, current, [.. unmet ?? []]));

        if (argument is null)
        {
            machine.Fire(trigger);
        }
        else
        {
            machine.Fire(new StateMachine<TState, TTrigger>.TriggerWithParameters(trigger, argument.GetType()), argument);
        }

        return outcome ?? new MachineOutcome<TState>(OutcomeKind.NoOp, current, current, []);
    }
}
