using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Payments.Host.Configuration;

namespace Payments.Host.OperatorConsole;

/// <summary>
/// The section <c>Console</c>. With <see cref="KeyRingCertificatePath"/> the console's data-protection keys are stored
/// encrypted with that certificate (a PKCS#12 file with its private key, the same on every node): reading the schema
/// then no longer lets anyone forge a console session (docs/architecture.md, "Operator console").
/// </summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    public string? KeyRingCertificatePath { get; set; }

    public string? KeyRingCertificatePassword { get; set; }

    /// <summary>The certificate, or null when none is configured; throws when the file cannot be read.</summary>
    public X509Certificate2? LoadCertificate() => string.IsNullOrWhiteSpace(KeyRingCertificatePath)
        ? null
        : X509CertificateLoader.LoadPkcs12FromFile(KeyRingCertificatePath, KeyRingCertificatePassword);
}

public sealed class ConsoleOptionsValidation : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new ValidateOptionsResultBuilder();
        const string Key = ConsoleOptions.Section + ":" + nameof(ConsoleOptions.KeyRingCertificatePath);
        if (string.IsNullOrWhiteSpace(options.KeyRingCertificatePath))
        {
            return failures.Build();
        }

        if (!File.Exists(options.KeyRingCertificatePath))
        {
            failures.Fail(Key, $"is '{options.KeyRingCertificatePath}', a file that does not exist", "the console's keys could not be protected");
            return failures.Build();
        }

        try
        {
            using var certificate = options.LoadCertificate()!;
            if (!certificate.HasPrivateKey)
            {
                failures.Fail(Key, "names a certificate without its private key", "the console's keys could be encrypted but never read back");
            }
        }
        catch (CryptographicException)
        {
            // The message could quote the file; the password is never repeated.
            failures.Fail(Key, "is not a PKCS#12 file this password opens", "the console's keys could not be protected");
        }

        return failures.Build();
    }
}
