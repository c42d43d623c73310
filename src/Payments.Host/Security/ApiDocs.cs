using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Payments.Host.BackOffice;
using Payments.Host.Notifications;
using Payments.Host.Operations;
using Payments.Host.Payments;
using Payments.Host.Returns;
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
        [("POST", "/payments/{id}/return")] = new(typeof(ReturnRequest),
            [(200, typeof(PaymentView)), (400, Problem), (401, Problem), (403, Problem), (404, Problem), (413, Problem), (415, Problem), (422, Problem), (429, Problem)]),
        [("GET", "/reports/daily")] = new(null, [(200, typeof(List<DailyTotals>)), (400, Problem), (401, Problem), (403, Problem)]),
        [("GET", "/operations/attention")] = new(null, [(200, typeof(Attention)), (401, Problem), (403, Problem)]),
        [("GET", "/webhooks/parked")] = new(null, [(200, typeof(List<ParkedWebhook>)), (401, Problem), (403, Problem)]),
        [("POST", "/webhooks/parked/{id}/replay")] = new(null, [(202, null), (401, Problem), (403, Problem), (404, Problem), (409, Problem)]),
        [("POST", "/operations/dead-letters/{id}/replay")] = new(null, [(202, null), (401, Problem), (403, Problem), (404, Problem), (409, Problem)]),
        [("POST", "/operations/payments/{id}/check")] = new(typeof(OperatorReason), [(202, typeof(CheckAnswer)), (400, Problem), (401, Problem), (403, Problem), (404, Problem), (409, Problem), (413, Problem), (415, Problem), (422, Problem)]),
        [("POST", "/operations/payments/{id}/sync")] = new(typeof(OperatorReason), [(200, typeof(PaymentView)), (400, Problem), (401, Problem), (403, Problem), (404, Problem), (409, Problem), (413, Problem), (415, Problem), (422, Problem), (503, Problem)]),
        [("POST", "/operations/payments/{id}/settle")] = new(typeof(OperatorReason), [(200, typeof(PaymentView)), (400, Problem), (401, Problem), (403, Problem), (404, Problem), (409, Problem), (413, Problem), (415, Problem), (422, Problem), (503, Problem)]),
        [("POST", "/operations/payments/{id}/checks/cancel")] = new(typeof(OperatorReason), [(200, typeof(PaymentView)), (400, Problem), (401, Problem), (403, Problem), (404, Problem), (409, Problem), (413, Problem), (415, Problem), (422, Problem)]),
        [("POST", "/operations/payments/{id}/review/clear")] = new(typeof(OperatorReason), [(200, typeof(PaymentView)), (400, Problem), (401, Problem), (403, Problem), (404, Problem), (409, Problem), (413, Problem), (415, Problem), (422, Problem)]),
        [("POST", "/notification-endpoints")] = new(typeof(CreateNotificationEndpointRequest),
            [(201, typeof(CreatedNotificationEndpoint)), (400, Problem), (401, Problem), (403, Problem), (413, Problem), (415, Problem), (422, Problem)]),
        [("GET", "/notification-endpoints")] = new(null, [(200, typeof(List<NotificationEndpointView>)), (401, Problem), (403, Problem)]),
        [("GET", "/notification-endpoints/{id}")] = new(null, [(200, typeof(NotificationEndpointView)), (401, Problem), (403, Problem), (404, Problem)]),
        [("DELETE", "/notification-endpoints/{id}")] = new(null, [(204, null), (401, Problem), (403, Problem), (404, Problem)]),
        [("POST", "/notification-endpoints/{id}/rotate-secret")] = new(null, [(200, typeof(RotatedSecret)), (401, Problem), (403, Problem), (404, Problem)]),
        [("GET", "/notifications")] = new(null, [(200, typeof(List<NotificationView>)), (400, Problem), (401, Problem), (403, Problem)]),
        [("GET", "/notifications/{id}")] = new(null, [(200, typeof(NotificationView)), (401, Problem), (403, Problem), (404, Problem)]),
        [("POST", "/notifications/{id}/redeliver")] = new(null, [(202, typeof(NotificationView)), (401, Problem), (403, Problem), (404, Problem), (409, Problem)]),
        [("GET", "/reconciliation/{date}")] = new(null, [(200, typeof(Reconciliation.SettlementReconciliation)), (400, Problem), (401, Problem), (403, Problem), (404, Problem)]),
        [("POST", "/reconciliation/{date}/run")] = new(null, [(200, typeof(Reconciliation.SettlementReconciliation)), (400, Problem), (401, Problem), (403, Problem), (503, Problem)]),
        [("POST", "/webhooks/checkout")] = new(typeof(JsonObject), [(200, null), (400, Problem), (401, Problem), (413, Problem)]),
    };

    public static readonly IReadOnlyDictionary<string, string> RequestExamples = new Dictionary<string, string>
    {
        ["POST /payments"] = """{"amount":1500,"currency":"KWD","reference":"ORDER-1","language":"en","successUrl":"https://shop.example/knet/ok","failureUrl":"https://shop.example/knet/fail","customer":{"email":"buyer@example.com"},"metadata":{"cart":"c-42"}}""",
        ["POST /payments/{id}/refunds"] = """{"amount":500,"reference":"partial refund"}""",
        ["POST /notification-endpoints"] = """{"url":"https://orders.example/payments-notifications","eventTypes":["payment.captured","payment.refunded"]}""",
        ["POST /payments/{id}/return"] = """{"sessionId":"sid_ubfj2q76miwundwlk72vxt2i7q"}""",
        ["POST /operations/payments/{id}/check"] = """{"reason":"customer called: paid at 10:02, no receipt"}""",
        ["POST /operations/payments/{id}/sync"] = """{"reason":"customer says KNET charged them; webhook missing"}""",
        ["POST /operations/payments/{id}/settle"] = """{"reason":"request unanswered since 10:02, ticket OPS-311"}""",
        ["POST /operations/payments/{id}/checks/cancel"] = """{"reason":"settling with Checkout.com support, ticket OPS-312"}""",
        ["POST /operations/payments/{id}/review/clear"] = """{"reason":"late capture after expiry refunded by hand, OPS-313"}""",
    };
}
