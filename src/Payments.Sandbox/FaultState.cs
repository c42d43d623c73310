using Microsoft.Extensions.Options;

namespace Payments.Sandbox;

/// <summary>The faults in force now: from configuration at start, replaced through <c>PUT /_sandbox/faults</c>.</summary>
public sealed class FaultState(IOptions<SandboxOptions> options)
{
    private readonly Lock _gate = new();
    private FaultOptions _current = options.Value.Faults;
    private int _rejectNext = options.Value.Faults.RejectNextRequests;
    private int _loseNext = options.Value.Faults.LoseNextResponses;

    public FaultOptions Current
    {
        get
        {
            lock (_gate)
            {
                return _current with { RejectNextRequests = _rejectNext, LoseNextResponses = _loseNext };
            }
        }
    }

    public void Replace(FaultOptions faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        lock (_gate)
        {
            _current = faults;
            _rejectNext = faults.RejectNextRequests;
            _loseNext = faults.LoseNextResponses;
        }
    }

    /// <summary>True once per configured rejection: this request answers 503 unprocessed.</summary>
    public bool TakeRejection() => Take(ref _rejectNext);

    /// <summary>True once per configured loss: this request is processed and its answer dropped.</summary>
    public bool TakeLostResponse() => Take(ref _loseNext);

    private bool Take(ref int counter)
    {
        lock (_gate)
        {
            if (counter <= 0)
            {
                return false;
            }

            counter--;
            return true;
        }
    }
}
