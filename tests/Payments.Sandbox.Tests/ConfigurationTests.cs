using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shouldly;

namespace Payments.Sandbox.Tests;

/// <summary>The sandbox checks its settings when it starts: each bad one is named with its environment form.</summary>
public class when_the_sandbox_starts_with_bad_settings
{
    [Fact]
    public async Task start_up_fails_naming_every_bad_setting()
    {
        await using var app = SandboxApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sandbox:SecretKey"] = "",
                ["Sandbox:WebhookSignatureKey"] = " ",
                ["Sandbox:WebhookUrl"] = "localhost:5080/webhooks/checkout",
                ["Sandbox:TimeScale"] = "0",
                ["Sandbox:SuccessExpiry"] = "9/2025",
                ["Sandbox:PageExpiry"] = "00:00:00",
                ["Sandbox:RefundProcessing"] = "-00:00:01",
                ["Sandbox:WebhookTimeout"] = "00:00:00",
                ["Sandbox:WebhookRetrySchedule:0"] = "00:05:00",
                ["Sandbox:WebhookRetrySchedule:1"] = "00:00:00",
                ["Sandbox:IdempotencyRetention"] = "00:00:00",
                ["Sandbox:Faults:ReorderHold"] = "00:00:00",
                ["Sandbox:Faults:DeliveryDelay"] = "-00:00:01",
                ["Sandbox:Faults:ApiDelay"] = "-00:00:01",
                ["Sandbox:Faults:FailFirstAttempts"] = "-1",
                ["Sandbox:Faults:RejectNextRequests"] = "-1",
                ["Sandbox:Faults:LoseNextResponses"] = "-1",
            });
            builder.Logging.ClearProviders();
        });

        var refused = await Should.ThrowAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        refused.Failures.ShouldBe([
            "Sandbox:SecretKey is empty: every API call would be answered 401 (environment: Sandbox__SecretKey).",
            "Sandbox:WebhookSignatureKey is empty: every webhook would carry a signature anyone could forge (environment: Sandbox__WebhookSignatureKey).",
            "Sandbox:WebhookUrl is 'localhost:5080/webhooks/checkout', not empty or an absolute http(s) URL: no webhook could be delivered "
            + "(environment: Sandbox__WebhookUrl).",
            "Sandbox:TimeScale is 0, not a positive number: every sandbox delay is divided by it (environment: Sandbox__TimeScale).",
            "Sandbox:SuccessExpiry is '9/2025', not MM/YYYY: the test card could never be approved (environment: Sandbox__SuccessExpiry).",
            "Sandbox:PageExpiry is 00:00:00, not a positive time: every KNET page would expire at once (environment: Sandbox__PageExpiry).",
            "Sandbox:RefundProcessing is -00:00:01, a negative time: a refund could not be scheduled (environment: Sandbox__RefundProcessing).",
            "Sandbox:WebhookTimeout is 00:00:00, not a positive time: every webhook attempt would count as failed (environment: Sandbox__WebhookTimeout).",
            "Sandbox:WebhookRetrySchedule:1 is 00:00:00, not a positive time: a failed webhook would be retried at once "
            + "(environment: Sandbox__WebhookRetrySchedule__1).",
            "Sandbox:IdempotencyRetention is 00:00:00, not a positive time: no Cko-Idempotency-Key would be remembered "
            + "(environment: Sandbox__IdempotencyRetention).",
            "Sandbox:Faults:ReorderHold is 00:00:00, not a positive time: a reordered webhook would not wait for its successor "
            + "(environment: Sandbox__Faults__ReorderHold).",
            "Sandbox:Faults:DeliveryDelay is -00:00:01, a negative time: a webhook could not be scheduled (environment: Sandbox__Faults__DeliveryDelay).",
            "Sandbox:Faults:ApiDelay is -00:00:01, a negative time: an API request could not be delayed (environment: Sandbox__Faults__ApiDelay).",
            "Sandbox:Faults:FailFirstAttempts is -1, a negative count: it is how many first attempts of each webhook fail "
            + "(environment: Sandbox__Faults__FailFirstAttempts).",
            "Sandbox:Faults:RejectNextRequests is -1, a negative count: it is how many API requests are answered 503 "
            + "(environment: Sandbox__Faults__RejectNextRequests).",
            "Sandbox:Faults:LoseNextResponses is -1, a negative count: it is how many API answers are lost (environment: Sandbox__Faults__LoseNextResponses).",
        ]);
    }

    [Fact]
    public async Task its_own_defaults_start()
    {
        await using var app = SandboxApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        });

        await app.StartAsync(TestContext.Current.CancellationToken);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
