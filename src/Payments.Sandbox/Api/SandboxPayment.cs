using System.Text.Json.Nodes;

namespace Payments.Sandbox.Api;

public static class PaymentStatuses
{
    public const string Pending = "Pending";
    public const string Captured = "Captured";
    public const string Declined = "Declined";
    public const string Canceled = "Canceled";
    public const string Expired = "Expired";
    public const string PartiallyRefunded = "Partially Refunded";
    public const string Refunded = "Refunded";
}

/// <summary>The KNET source as the merchant sent it (echoed back on GET), and KNET's answer once decided.</summary>
public sealed class KnetSource
{
    public required string Language { get; init; }
    public string? UserDefinedField1 { get; init; }
    public string? UserDefinedField2 { get; init; }
    public string? UserDefinedField3 { get; init; }
    public string? UserDefinedField4 { get; init; }
    public string? UserDefinedField5 { get; init; }
    public string? CardToken { get; init; }
    public string? Ptlf { get; init; }
    public string? KnetPaymentId { get; set; }
    public string? KnetResult { get; set; }
    public string? BankReference { get; set; }
    public string? KnetTransactionId { get; set; }
    public string? AuthCode { get; set; }
    public string? AuthResponseCode { get; set; }
    public string? PostDate { get; set; }
    public string? Avr { get; set; }
    public string? Error { get; set; }
    public string? ErrorText { get; set; }
}

/// <summary>One action on a payment: the capture, or a refund with its own life.</summary>
public sealed class PaymentAction
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required long Amount { get; init; }
    public required DateTimeOffset ProcessedOn { get; set; }
    public bool Approved { get; set; }
    public string ResponseCode { get; set; } = "10000";
    public string ResponseSummary { get; set; } = "Approved";
    public string? Reference { get; init; }
    public string? AuthCode { get; init; }
    public JsonObject? Metadata { get; init; }

    /// <summary>Refunds only: Pending until processed, then Refunded or Declined.</summary>
    public string? RefundState { get; set; }
}

public enum PageState
{
    NotOpened,
    Open,
    Confirming,
    Done,
}

/// <summary>A sandbox payment. Every change happens under <see cref="Gate"/>.</summary>
public sealed class SandboxPayment
{
    public object Gate { get; } = new();
    public required string Id { get; init; }
    public required string SessionId { get; init; }
    public required string Token { get; init; }
    public required string CustomerId { get; init; }
    public required string BaseUrl { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
    public required KnetSource Source { get; init; }
    public required DateTimeOffset RequestedOn { get; init; }
    public string? Reference { get; init; }
    public string? Description { get; init; }
    public string? SuccessUrl { get; init; }
    public string? FailureUrl { get; init; }
    public string? CustomerEmail { get; init; }
    public string? CustomerName { get; init; }
    public string? ProcessingChannelId { get; init; }
    public JsonObject? Metadata { get; init; }

    public string Status { get; set; } = PaymentStatuses.Pending;
    public bool Approved { get; set; }
    public DateTimeOffset? ProcessedOn { get; set; }
    public PageState Page { get; set; } = PageState.NotOpened;
    public DateTimeOffset? PageOpenedAt { get; set; }

    /// <summary>What the customer's entries decide if confirmed; kept server-side so no PIN or card travels in the page.</summary>
    public CardCheck? Entered { get; set; }

    public List<PaymentAction> Actions { get; } = [];

    public long TotalCaptured => Status is PaymentStatuses.Captured or PaymentStatuses.PartiallyRefunded or PaymentStatuses.Refunded ? Amount : 0;
    public long TotalRefunded => Actions.Where(a => a.RefundState == "Refunded").Sum(a => a.Amount);
    public long RefundsInFlight => Actions.Where(a => a.RefundState == "Pending").Sum(a => a.Amount);

    /// <summary>Refunds in flight are reserved, so two concurrent refunds can never exceed the capture.</summary>
    public long AvailableToRefund => TotalCaptured - TotalRefunded - RefundsInFlight;

    public bool IsDecided => Status != PaymentStatuses.Pending;

    public string SelfHref => $"{BaseUrl}/payments/{Id}";
    public string ActionsHref => $"{BaseUrl}/payments/{Id}/actions";
    public string RedirectHref => $"{BaseUrl}/knet-external/redirect/{Token}/pay";

    public Balances Balances => new(
        TotalCaptured, 0, 0, TotalCaptured, 0, TotalRefunded, AvailableToRefund);
}

public sealed record Balances(
    long TotalAuthorized, long TotalVoided, long AvailableToVoid, long TotalCaptured, long AvailableToCapture,
    long TotalRefunded, long AvailableToRefund);

/// <summary>The decision the KNET page would take for the entered card, expiry and PIN.</summary>
public sealed record CardCheck(bool Approves, string AuthResponseCode, string MaskedCard);
