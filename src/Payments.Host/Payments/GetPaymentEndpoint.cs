using Marten;
using Payments.Domain;
using Wolverine.Http;

namespace Payments.Host.Payments;

public static class GetPaymentEndpoint
{
    [WolverineGet("/payments/{id}")]
    public static async Task<IResult> Get(string id, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!PaymentIds.TryParse(id, out var paymentId))
        {
            return Problems.NotFound(id);
        }

        var payment = await session.LoadAsync<Payment>(paymentId, cancellation);
        return payment is null ? Problems.NotFound(paymentId) : Results.Ok(PaymentView.Of(payment));
    }
}
