namespace Payments.Sandbox.Api;

/// <summary>The JSON of <c>GET /payments/{id}</c> (§2.3) and <c>GET /payments/{id}/actions</c> (§3.2).</summary>
public static class PaymentDetails
{
    public static Dictionary<string, object?> Render(SandboxPayment payment, bool bySession)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var source = payment.Source;
        var links = new Dictionary<string, Link>
        {
            ["self"] = new(payment.SelfHref),
            ["actions"] = new(payment.ActionsHref),
        };
        if (payment.Status == PaymentStatuses.Pending)
        {
            links["redirect"] = new(payment.RedirectHref);
        }

        if (payment.AvailableToRefund > 0)
        {
            links["refund"] = new($"{payment.SelfHref}/refunds");
        }

        var details = new Dictionary<string, object?>
        {
            ["id"] = payment.Id,
            ["requested_on"] = payment.RequestedOn,
            ["processed_on"] = payment.ProcessedOn,
            ["source"] = new Dictionary<string, object?>
            {
                ["type"] = "knet",
                ["language"] = source.Language,
                ["user_defined_field1"] = source.UserDefinedField1,
                ["user_defined_field2"] = source.UserDefinedField2,
                ["user_defined_field3"] = source.UserDefinedField3,
                ["user_defined_field4"] = source.UserDefinedField4,
                ["user_defined_field5"] = source.UserDefinedField5,
                ["card_token"] = source.CardToken,
                ["ptlf"] = source.Ptlf,
                ["knet_payment_id"] = source.KnetPaymentId,
                ["knet_result"] = source.KnetResult,
                ["bank_reference"] = source.BankReference,
                ["knet_transaction_id"] = source.KnetTransactionId,
                ["auth_code"] = source.AuthCode,
                ["auth_response_code"] = source.AuthResponseCode,
                ["post_date"] = source.PostDate,
                ["avr"] = source.Avr,
                ["error"] = source.Error,
                ["error_text"] = source.ErrorText,
            }.Where(kv => kv.Value is not null).ToDictionary(),
            ["amount"] = payment.Amount,
            ["currency"] = payment.Currency,
            ["payment_type"] = "Regular",
            ["reference"] = payment.Reference,
            ["description"] = payment.Description,
            ["status"] = payment.Status,
            ["approved"] = payment.Approved,
            ["balances"] = payment.Balances,
            ["risk"] = new { flagged = false },
            ["customer"] = new { id = payment.CustomerId, email = payment.CustomerEmail, name = payment.CustomerName },
            ["metadata"] = payment.Metadata,
            ["_links"] = links,
        };
        foreach (var empty in details.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList())
        {
            details.Remove(empty);
        }

        if (bySession)
        {
            details["actions"] = payment.Actions.AsEnumerable().Reverse()
                .Select(a => new { id = a.Id, type = a.Type, response_code = a.ResponseCode, response_summary = a.ResponseSummary })
                .ToList();
        }

        return details;
    }

    /// <summary>Newest first, as Checkout.com orders them.</summary>
    public static IReadOnlyList<object> Actions(SandboxPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return [.. payment.Actions.AsEnumerable().Reverse().Select(a => (object)new
        {
            id = a.Id,
            type = a.Type,
            processed_on = a.ProcessedOn,
            amount = a.Amount,
            approved = a.Approved,
            auth_code = a.AuthCode,
            response_code = a.ResponseCode,
            response_summary = a.ResponseSummary,
            reference = a.Reference,
            metadata = a.Metadata,
        })];
    }
}
