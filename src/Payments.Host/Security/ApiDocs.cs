using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Payments.Host.BackOffice;
using Payments.Host.Payments;
using Payments.Host.Webhooks;

namespace Payments.Host.Security;

/// <summary>What each route takes and answers, for <c>/openapi/v1.json</c>; errors are ProblemDetails with a <c>code</c>.</summary>
public static class ApiDocs
{
    public sealed record Shape(Type? Request, (int Status, Type? Body)[] Answers);

    private static readonly Type Problem = typeof(ProblemDetails);

    public static readonly IReadOnlyDictionary<(string Method, string Route), Shape> Routes = new Dictionary<(string, string), Shape>
    {
        [("POST", "/payments")] = new(typeof(CreatePaymentRequest),
            [(201, typeof(CreatedPayment)), (202, typeof(CreatedPayment)), (400, Problem), (401, Problem), (403, Problem), (409, Problem), (413, Problem), (415, Problem), (422, Problem), (429, Problem)]),
        [("GET", "/payments")] = new(null, [(200, typeof(PaymentPage)), (400, Problem), (401, Problem), (403, Problem)]),
        [("GET", "/payments/{id}")] = new(null, [(200, typeof(PaymentView)), (401, Problem), (403, Problem), (404, Problem)]),
        [("GET", "/payments/{id}/events")] = new(null, [(200, typeof(List<AuditEntry>)), (401, Problem), (403, Problem), (404, Problem)]),
        [("GET", "/payments/{id}/state")] = new(null, [(200, typeof(PaymentView)), (400, Problem), (401, Problem), (403, Problem), (404, Problem)]),
        [("POST", "/payments/{id}/refunds")] = new(typeof(RefundRequest),
            [(202, typeof(RefundAnswer)), (400, Problem), (401, Problem), (403, Problem), (404, Problem), (409, Problem), (413, Problem), (415, Problem), (422, Problem), (429, Problem)]),
        [("GET", "/reports/daily")] = new(null, [(200, typeof(List<DailyTotals>)), (400, Problem), (401, Problem), (403, Problem)]),
        [("GET", "/operations/attention")] = new(null, [(200, typeof(Attention)), (401, Problem), (403, Problem)]),
        [("GET", "/webhooks/parked")] = new(null, [(200, typeof(List<ParkedWebhook>)), (401, Problem), (403, Problem)]),
        [("POST", "/webhooks/parked/{id}/replay")] = new(null, [(202, null), (401, Problem), (403, Problem), (404, Problem), (409, Problem)]),
        [("POST", "/operations/dead-letters/{id}/replay")] = new(null, [(202, null), (401, Problem), (403, Problem), (404, Problem), (409, Problem)]),
        [("POST", "/webhooks/checkout")] = new(typeof(JsonObject), [(200, null), (400, Problem), (401, Problem), (413, Problem)]),
    };

    public static readonly IReadOnlyDictionary<string, string> RequestExamples = new Dictionary<string, string>
    {
        ["POST /payments"] = """{"amount":1500,"currency":"KWD","reference":"ORDER-1","language":"en","successUrl":"https://shop.example/knet/ok","failureUrl":"https://shop.example/knet/fail","customer":{"email":"buyer@example.com"},"metadata":{"cart":"c-42"}}""",
        ["POST /payments/{id}/refunds"] = """{"amount":500,"reference":"partial refund"}""",
    };
}
