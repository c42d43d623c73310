using System.Collections.Concurrent;

namespace Payments.Sandbox.Api;

/// <summary>The sandbox's payments, in memory, found by payment id, session id or page token.</summary>
public sealed class PaymentStore
{
    private readonly ConcurrentDictionary<string, SandboxPayment> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxPayment> _bySession = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxPayment> _byToken = new(StringComparer.Ordinal);

    public void Add(SandboxPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        _byId[payment.Id] = payment;
        _bySession[payment.SessionId] = payment;
        _byToken[payment.Token] = payment;
    }

    /// <summary>By <c>pay_…</c> or <c>sid_…</c>, as <c>GET /payments/{id}</c> accepts both.</summary>
    public SandboxPayment? Find(string id) =>
        _byId.GetValueOrDefault(id) ?? _bySession.GetValueOrDefault(id);

    public SandboxPayment? FindByToken(string token) => _byToken.GetValueOrDefault(token);

    public IReadOnlyList<SandboxPayment> All => [.. _byId.Values.OrderBy(p => p.RequestedOn)];
}
