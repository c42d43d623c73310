using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Marten;
using Npgsql;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.OperatorConsole;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// With <c>Console:KeyRingCertificatePath</c> the console's data-protection keys are stored encrypted with the
/// certificate: the schema holds no usable key, and sessions work as before (docs/architecture.md, "Operator console").
/// </summary>
public sealed class when_the_console_key_ring_is_protected_by_a_certificate(PostgresDatabase database)
{
    [Fact]
    public async Task the_stored_keys_are_encrypted_and_a_session_still_opens()
    {
        // A schema of this run's own: a ring encrypted with another run's certificate could not be read.
        var schema = $"e2e_keyring_{Guid.NewGuid():N}"[..24];
        var folder = Directory.CreateTempSubdirectory("console-cert-");
        var path = Path.Combine(folder.FullName, "console.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=payments-console-keys", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
        }

        try
        {
            await using (var e2e = await Wired.StartAsync(database, schema, new Dictionary<string, string?>
                         {
                             ["Console:KeyRingCertificatePath"] = path,
                             ["Console:KeyRingCertificatePassword"] = "pfx-password",
                         }))
            {
                var cookies = new CookieContainer();
                using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(e2e.ServiceUrl) };
                browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");
                var signIn = await browser.GetStringAsync(new Uri("/console/sign-in", UriKind.Relative));
                using (var signedIn = await browser.PostAsync(new Uri("/console/sign-in", UriKind.Relative), new FormUrlEncodedContent(
                           new Dictionary<string, string> { ["apiKey"] = Wired.BackofficeKey, ["__csrf"] = ConsoleForms.Token(signIn) })))
                {
                    signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
                }

                using var page = await browser.GetAsync(new Uri("/console", UriKind.Relative));
                page.Headers.Location!.ToString().ShouldBe("/console/payments", "the session opened");

                await using var session = e2e.Store.QuerySession();
                var ring = await session.Query<DataProtectionKey>().ToListAsync();
                ring.ShouldNotBeEmpty();
                ring.ShouldAllBe(k => k.Xml.Contains("encryptedSecret") && !k.Xml.Contains("<masterKey"));
            }
        }
        finally
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop schema if exists {schema} cascade", connection);
            await drop.ExecuteNonQueryAsync();
            folder.Delete(recursive: true);
        }
    }
}
