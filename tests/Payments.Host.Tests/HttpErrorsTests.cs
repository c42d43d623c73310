using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using Payments.Host.Edge;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>
/// What the host answers when a request fails outside our endpoints' own answers: Kestrel's refusals, a database
/// that is away, and bugs. Driven through the registered handler with the host's services, so the ProblemDetails are
/// written exactly as in production; Kestrel's limits themselves are exercised end to end.
/// </summary>
[Collection(SharedHost.Name)]
public class when_a_request_fails_outside_an_endpoints_answer(AppFixture app)
{
    private sealed class Recorder : ILogger<HttpErrors>
    {
        public List<(LogLevel Level, Exception? Exception)> Entries { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, exception));
    }

    private async Task<(HttpContext Context, JsonElement Body, string Text, Recorder Log)> Handle(Exception exception)
    {
        var log = new Recorder();
        var context = new DefaultHttpContext { RequestServices = app.Host.Services };
        context.Request.Method = "POST";
        context.Request.Path = "/payments";
        context.Response.Body = new MemoryStream();

        (await new HttpErrors(log).TryHandleAsync(context, exception, TestContext.Current.CancellationToken)).ShouldBeTrue();

        context.Response.Body.Position = 0;
        var text = await new StreamReader(context.Response.Body).ReadToEndAsync(TestContext.Current.CancellationToken);
        return (context, JsonDocument.Parse(text).RootElement.Clone(), text, log);
    }

    [Fact]
    public async Task a_body_over_the_limit_is_413_request_too_large_logged_as_a_warning()
    {
        var (context, body, _, log) = await Handle(new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge));

        context.Response.StatusCode.ShouldBe(413);
        context.Response.ContentType.ShouldBe("application/problem+json");
        body.GetProperty("code").GetString().ShouldBe("request_too_large");
        log.Entries.ShouldBe([(LogLevel.Warning, null)]);
    }

    [Fact]
    public async Task a_body_slower_than_kestrels_minimum_rate_is_408_request_timeout_logged_as_a_warning()
    {
        var (context, body, _, log) = await Handle(new BadHttpRequestException("Reading the request body timed out due to data arriving too slowly.",
            StatusCodes.Status408RequestTimeout));

        context.Response.StatusCode.ShouldBe(408);
        body.GetProperty("code").GetString().ShouldBe("request_timeout");
        log.Entries.ShouldBe([(LogLevel.Warning, null)]);
    }

    [Theory]
    [InlineData("57P03")]
    [InlineData("53300")]
    [InlineData("08006")]
    public async Task a_transient_database_fault_is_503_service_unavailable_with_retry_after_5(string sqlState)
    {
        var fault = new InvalidOperationException("Marten wraps it", new PostgresException("the database system is starting up", "FATAL", "FATAL", sqlState));

        var (context, body, _, log) = await Handle(fault);

        context.Response.StatusCode.ShouldBe(503);
        context.Response.Headers.RetryAfter.ToString().ShouldBe("5");
        body.GetProperty("code").GetString().ShouldBe("service_unavailable");
        log.Entries.Single().Level.ShouldBe(LogLevel.Warning);
    }

    [Fact]
    public async Task an_exhausted_connection_pool_is_503_service_unavailable()
    {
        var (context, body, _, _) = await Handle(new NpgsqlException("The connection pool has been exhausted", new TimeoutException()));

        context.Response.StatusCode.ShouldBe(503);
        body.GetProperty("code").GetString().ShouldBe("service_unavailable");
    }

    [Fact]
    public async Task any_other_failure_is_500_internal_error_without_the_exception_text_and_logged_as_an_error()
    {
        var bug = new InvalidOperationException("select secret from payments.mt_doc_payment where card = '4111'");

        var (context, body, text, log) = await Handle(new AggregateException(bug, new PostgresException("syntax error", "ERROR", "ERROR", "42601")));

        context.Response.StatusCode.ShouldBe(500);
        body.GetProperty("code").GetString().ShouldBe("internal_error");
        text.ShouldNotContain("secret");
        text.ShouldNotContain("syntax");
        text.ShouldNotContain("Exception");
        log.Entries.Single().Level.ShouldBe(LogLevel.Error);
    }
}
