using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Payments.Domain;
using Payments.Host.Operations;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Wolverine;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>
/// A failure retrying cannot fix dead-letters the message — visibly: it is listed in GET /operations/attention, and an
/// operator replays it once the cause is fixed; the replay is recorded with the operator's key.
/// </summary>
public class when_a_message_fails_for_a_reason_retrying_cannot_fix(AppFixture app) : HostTest(app)
{
    private const string Backoffice = "Bearer pk_dev_backoffice_8d41e6b0";
    private const string Admin = "Bearer pk_dev_admin_c57a90d2";
    private readonly Guid _id = Guid.CreateVersion7();

    private static async Task Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("ConnectionStrings__Payments"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<JsonElement> Attention() => (await App.Host.Scenario(x =>
    {
        x.Get.Url("/operations/attention");
        x.WithRequestHeader("Authorization", Backoffice);
    })).ReadAsJson<JsonElement>();

    [Fact]
    public async Task it_is_listed_for_an_operator_and_replayed_once_the_cause_is_fixed()
    {
        await Sql("delete from payments.wolverine_dead_letters");
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        // A bug of ours, as PostgreSQL reports it: not a fault that passes, so no retry can fix it.
        await Sql($"""
            create or replace function payments.inject_bug() returns trigger language plpgsql as $$
            begin raise exception 'injected bug' using errcode = 'P0001'; end $$;
            create trigger inject_bug before insert on payments.mt_events
              for each row when (new.stream_id = '{_id}') execute function payments.inject_bug();
            """);
        try
        {
            using var scope = App.Host.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<IMessageBus>()
                .PublishAsync(new FlagPaymentForReview(_id, "an operator asked for a look"));

            var listed = await Eventually.Until(Attention, a => a.GetProperty("deadLetters").GetArrayLength() > 0, TimeSpan.FromSeconds(30));
            var letter = listed.GetProperty("deadLetters")[0];
            letter.GetProperty("messageType").GetString()!.ShouldEndWith(nameof(FlagPaymentForReview));
            letter.GetProperty("exceptionMessage").GetString()!.ShouldContain("injected bug");
            (await App.Store.Snapshot(_id))!.NeedsReview.ShouldBeFalse();

            await Sql("drop trigger inject_bug on payments.mt_events");
            await App.Host.Scenario(x =>
            {
                x.Post.Url($"/operations/dead-letters/{letter.GetProperty("id").GetGuid()}/replay");
                x.WithRequestHeader("Authorization", Admin);
                x.StatusCodeShouldBe(202);
            });

            await Eventually.Until(() => App.Store.Snapshot(_id), p => p!.NeedsReview, TimeSpan.FromSeconds(30));
            await using var session = App.Store.QuerySession();
            var recorded = await session.Query<DeadLetterReplay>().ToListAsync();
            recorded.ShouldHaveSingleItem().Principal.ShouldBe("admin-dev");
            (await App.Store.Stream(_id)).Count(e => e.Data is PaymentFlaggedForReview).ShouldBe(1);
        }
        finally
        {
            await Sql("drop trigger if exists inject_bug on payments.mt_events");
        }
    }

    [Fact]
    public async Task replaying_needs_the_operations_scope_and_an_existing_dead_letter()
    {
        await App.Host.Scenario(x =>
        {
            x.Post.Url($"/operations/dead-letters/{Guid.CreateVersion7()}/replay");
            x.WithRequestHeader("Authorization", Backoffice);
            x.StatusCodeShouldBe(403);
        });
        var missing = await App.Host.Scenario(x =>
        {
            x.Post.Url($"/operations/dead-letters/{Guid.CreateVersion7()}/replay");
            x.WithRequestHeader("Authorization", Admin);
            x.StatusCodeShouldBe(404);
        });
        missing.ReadAsJson<JsonElement>().GetProperty("code").GetString().ShouldBe("dead_letter_not_found");
    }
}
