using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Payments.Domain;

namespace Payments.Host.Reconciliation;

/// <summary>One settled capture or refund of the report: its <c>Gross</c> line, the amount in fils, always positive.</summary>
public sealed record SettledLine(
    string CheckoutPaymentId, string ActionId, string ActionType, long Amount, DateTimeOffset ProcessedOn, DateOnly SettledOn,
    string? PostDate, string? Reference);

/// <summary>A breakdown line that is not the action's gross amount: a fee Checkout.com took (negative) or returned.</summary>
public sealed record FeeLine(string CheckoutPaymentId, string ActionId, string Type, long Amount);

/// <summary>A line of the file that was not read, and why (the line number counts the header as 1).</summary>
public sealed record RejectedRow(int Line, string Reason);

public sealed record ParsedReport(IReadOnlyList<SettledLine> Lines, IReadOnlyList<FeeLine> Fees, IReadOnlyList<RejectedRow> Rejected, int Rows);

/// <summary>
/// Reads Checkout.com's financial actions report (CSV, RFC 4180) strictly: the file is hostile input like any other
/// (docs/architecture.md, "Hostile input", "Settlement reconciliation"). Strict UTF-8, the columns found by their
/// names in the header, every field checked; a line that breaks a rule is counted and reported with its reason and
/// never read in part. A file whose header lacks a column is refused whole.
/// </summary>
public static partial class SettlementCsv
{
    public const string Capture = "Capture";
    public const string Refund = "Refund";
    public const string Gross = "Gross";

    /// <summary>Lines beyond this are not read; the rest is reported as one rejected line.</summary>
    public const int MaxRows = 200_000;

    public static readonly string[] RequiredColumns =
    [
        "Payment ID", "Action ID", "Action Type", "Reference", "Processed On", "Settlement Date", "Post Date",
        "Breakdown Type", "Holding Currency", "Holding Currency Amount",
    ];

    /// <summary>The report's lines, or why the whole file cannot be read.</summary>
    public static (ParsedReport? Report, string? Error) Parse(ReadOnlySpan<byte> bytes, DateOnly day)
    {
        if (bytes.StartsWith((byte[])[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return (null, "the report file is not UTF-8");
        }

        var records = Records(text).GetEnumerator();
        if (!records.MoveNext() || records.Current.Error is not null)
        {
            return (null, "the report file has no header line");
        }

        var header = records.Current.Fields;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            if (!index.TryAdd(header[i], i))
            {
                return (null, $"the header names column '{Show(header[i])}' twice");
            }
        }

        if (RequiredColumns.FirstOrDefault(c => !index.ContainsKey(c)) is { } missing)
        {
            return (null, $"the header has no column '{missing}'");
        }

        var lines = new List<SettledLine>();
        var fees = new List<FeeLine>();
        var rejected = new List<RejectedRow>();
        var seen = new HashSet<(string, string, string)>();
        var rows = 0;
        while (records.MoveNext())
        {
            var (line, fields, error) = records.Current;
            rows++;
            if (rows > MaxRows)
            {
                rejected.Add(new RejectedRow(line, $"more than {MaxRows} lines: the rest of the file was not read"));
                break;
            }

            if (error is not null)
            {
                rejected.Add(new RejectedRow(line, error));
                continue;
            }

            if (fields.Count != header.Count)
            {
                rejected.Add(new RejectedRow(line, $"{fields.Count} fields, the header has {header.Count}"));
                continue;
            }

            string Field(string column) => fields[index[column]];
            var reason = Read(Field, day, out var settled, out var fee);
            if (reason is null && !seen.Add((Field("Payment ID"), Field("Action ID"), Field("Breakdown Type"))))
            {
                reason = "the same action and breakdown type appear twice";
            }

            if (reason is not null)
            {
                rejected.Add(new RejectedRow(line, reason));
            }
            else if (settled is not null)
            {
                lines.Add(settled);
            }
            else
            {
                fees.Add(fee!);
            }
        }

        return (new ParsedReport(lines, fees, rejected, rows), null);
    }

    private static string? Read(Func<string, string> field, DateOnly day, out SettledLine? settled, out FeeLine? fee)
    {
        settled = null;
        fee = null;
        var paymentId = field("Payment ID");
        var actionId = field("Action ID");
        var type = field("Action Type");
        var reference = field("Reference");
        var breakdown = field("Breakdown Type");
        var postDate = field("Post Date");
        if (!PaymentId().IsMatch(paymentId))
        {
            return $"Payment ID '{Show(paymentId)}' is not a Checkout.com payment id";
        }

        if (!ActionId().IsMatch(actionId))
        {
            return $"Action ID '{Show(actionId)}' is not a Checkout.com action id";
        }

        if (type is not (Capture or Refund))
        {
            return $"Action Type '{Show(type)}' is not reconciled (Capture or Refund)";
        }

        if (reference.Length > 100 || !Printable(reference))
        {
            return "Reference is longer than 100 characters or holds a control character";
        }

        if (breakdown.Length is 0 or > 50 || !Printable(breakdown))
        {
            return "Breakdown Type is empty, longer than 50 characters or holds a control character";
        }

        if (postDate.Length > 0 && !PostDate().IsMatch(postDate))
        {
            return $"Post Date '{Show(postDate)}' is not KNET's MMDD";
        }

        if (!DateTimeOffset.TryParseExact(field("Processed On"), ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'"],
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var processedOn))
        {
            return $"Processed On '{Show(field("Processed On"))}' is not a UTC instant";
        }

        if (!DateOnly.TryParseExact(field("Settlement Date"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var settledOn))
        {
            return $"Settlement Date '{Show(field("Settlement Date"))}' is not a day YYYY-MM-DD";
        }

        if (settledOn != day)
        {
            return $"Settlement Date {settledOn:yyyy-MM-dd} is not the report's day";
        }

        if (field("Holding Currency") != Kwd.Currency)
        {
            return $"Holding Currency '{Show(field("Holding Currency"))}' is not {Kwd.Currency}";
        }

        var amountText = field("Holding Currency Amount");
        var negative = amountText.StartsWith('-');
        if (!Kwd.TryParse(negative ? amountText[1..] : amountText, out var fils) || amountText != amountText.Trim())
        {
            return $"Holding Currency Amount '{Show(amountText)}' is not an amount of at most three decimals";
        }

        var amount = negative ? -fils : fils;
        if (breakdown != Gross)
        {
            fee = new FeeLine(paymentId, actionId, breakdown, amount);
            return null;
        }

        // A capture credits the balance, a refund debits it: the other sign is not a capture or refund we know.
        if ((type == Capture && amount <= 0) || (type == Refund && amount >= 0))
        {
            return $"a {type}'s Gross amount of {amountText} has the wrong sign";
        }

        settled = new SettledLine(paymentId, actionId, type, Math.Abs(amount), processedOn, settledOn,
            postDate.Length == 0 ? null : postDate, reference.Length == 0 ? null : reference);
        return null;
    }

    /// <summary>
    /// RFC 4180 records with their first line number: fields split on commas, quoted fields with doubled quotes and
    /// line breaks inside, CRLF or LF between records. A quote inside an unquoted field, text after a closing quote,
    /// an unclosed quote or a control character other than a line break inside a field spoils the record.
    /// </summary>
    private static IEnumerable<(int Line, IReadOnlyList<string> Fields, string? Error)> Records(string text)
    {
        var position = 0;
        var line = 1;
        while (position < text.Length)
        {
            var start = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            string? error = null;
            var quoted = false;
            var afterQuote = false;
            var ended = false;
            while (position < text.Length && !ended)
            {
                var c = text[position++];
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (position < text.Length && text[position] == '"')
                        {
                            field.Append('"');
                            position++;
                        }
                        else
                        {
                            quoted = false;
                            afterQuote = true;
                        }
                    }
                    else
                    {
                        if (c == '\n')
                        {
                            line++;
                        }

                        field.Append(c);
                    }

                    continue;
                }

                switch (c)
                {
                    case ',':
                        fields.Add(field.ToString());
                        field.Clear();
                        afterQuote = false;
                        break;
                    case '\r' when position < text.Length && text[position] == '\n':
                        break;
                    case '\n':
                        line++;
                        ended = true;
                        break;
                    case '"' when field.Length == 0 && !afterQuote:
                        quoted = true;
                        break;
                    case '"':
                        error ??= "a quote inside an unquoted field";
                        break;
                    default:
                        if (afterQuote)
                        {
                            error ??= "text after a closing quote";
                        }

                        field.Append(c);
                        break;
                }
            }

            if (quoted)
            {
                error ??= "a quoted field is never closed";
            }

            fields.Add(field.ToString());
            if (error is null && fields.Exists(f => !Printable(f.Replace("\r\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal))))
            {
                error = "a field holds a control character";
            }

            // A blank line (a trailing line break at the end included) is no record.
            if (fields is [""] && error is null)
            {
                continue;
            }

            yield return (start, fields, error);
        }
    }

    private static bool Printable(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A field as a reason may quote it: at most 40 characters, nothing unprintable.</summary>
    private static string Show(string text)
    {
        var shown = new string([.. text.Take(40).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 40 ? shown + "…" : shown;
    }

    [GeneratedRegex(@"^pay_[a-z2-7]{26}\z")]
    private static partial Regex PaymentId();

    [GeneratedRegex(@"^act_[a-z2-7]{26}\z")]
    private static partial Regex ActionId();

    [GeneratedRegex(@"^(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])\z")]
    private static partial Regex PostDate();
}
