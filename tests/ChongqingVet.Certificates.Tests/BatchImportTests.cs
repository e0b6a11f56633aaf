using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using Grpc.Core;
using static ChongqingVet.Certificates.Tests.StreamImportTests;

namespace ChongqingVet.Certificates.Tests;

/// <summary>
/// The import writes a batch with a few statements (bulk replay lookup, bulk holder check, one counter update per
/// prefix, multi-row inserts): every item still gets the outcome it would get written alone, in order, and numbers
/// come from the same counters as IssueCertificate's.
/// </summary>
public class BatchImportTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task MixedBatch_EachItemGetsTheOutcomeItWouldGetAlone(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider, new Dictionary<string, string?> { ["Import:BatchSize"] = "50" });
        await harness.CreateTypeAsync();
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0900", IdNumber(900)));
        var earlier = Item(1);
        var earlierAcks = await StreamAsync(harness, [earlier]);
        Assert.Equal(ImportOutcome.Created, earlierAcks[0].Result.Outcome);

        var valid = Item(2);
        var invalid = Item(3);
        invalid.HolderName = "";
        var sameHolder = Item(4);
        sameHolder.HolderIdNumber = valid.HolderIdNumber; // another request for the holder the batch just created
        var replayed = earlier.Clone();
        var reusedOther = Item(5);
        reusedOther.RequestId = earlier.RequestId; // request_id of the earlier stream, other content
        var heldBefore = Item(900); // the holder IssueCertificate gave a certificate of this type and level
        var resent = valid.Clone(); // the same request again inside the batch
        var reusedInBatch = Item(6);
        reusedInBatch.RequestId = valid.RequestId; // request_id of an earlier item of this batch, other content
        var last = Item(7);

        var acks = await StreamAsync(harness, [valid, invalid, sameHolder, replayed, reusedOther, heldBefore, resent, reusedInBatch, last]);

        Assert.Equal(
            [ImportOutcome.Created, ImportOutcome.Invalid, ImportOutcome.Duplicate, ImportOutcome.Duplicate, ImportOutcome.Invalid,
             ImportOutcome.Duplicate, ImportOutcome.Duplicate, ImportOutcome.Invalid, ImportOutcome.Created],
            acks.Select(a => a.Result.Outcome));
        Assert.Equal(["holder_name"], acks[1].Result.Violations.Select(v => v.Field));
        Assert.Equal(acks[0].Result.CertificateNumber, acks[2].Result.CertificateNumber);
        Assert.Equal(earlierAcks[0].Result.CertificateNumber, acks[3].Result.CertificateNumber);
        Assert.Equal(["request_id"], acks[4].Result.Violations.Select(v => v.Field));
        Assert.Equal(issued.CertificateNumber, acks[5].Result.CertificateNumber);
        Assert.Equal(acks[0].Result.CertificateNumber, acks[6].Result.CertificateNumber);
        Assert.Equal(["request_id"], acks[7].Result.Violations.Select(v => v.Field));
        Assert.NotEqual(acks[0].Result.CertificateNumber, acks[8].Result.CertificateNumber);

        // What the batch stored replays: the same items again are duplicates of the same certificates, nothing new.
        var again = await StreamAsync(harness, [valid, last, reusedInBatch]);
        Assert.Equal([ImportOutcome.Duplicate, ImportOutcome.Duplicate, ImportOutcome.Invalid], again.Select(a => a.Result.Outcome));
        Assert.Equal(acks[0].Result.CertificateNumber, again[0].Result.CertificateNumber);
        Assert.Equal(acks[8].Result.CertificateNumber, again[1].Result.CertificateNumber);

        // The stored certificate reads back as the batch built it (nothing was read back while importing).
        var stored = await harness.Client.GetCertificateAsync(new GetCertificateRequest { CertificateNumber = acks[0].Result.CertificateNumber });
        Assert.Equal(valid.LearnerId, stored.LearnerId);
        Assert.Equal(CertificateStatus.Active, stored.Status);
        Assert.Equal(valid.IssueDate, stored.IssueDate);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task BatchNumbers_AreConsecutivePerPrefix_AndShareTheCounterWithIssueCertificate(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider, new Dictionary<string, string?> { ["Import:BatchSize"] = "40" });
        await harness.CreateTypeAsync();
        var before = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0800", IdNumber(800)));

        // Two prefixes interleaved in one batch: issue years 2025 (IssueCertificate's prefix) and 2024.
        var items = Enumerable.Range(0, 30).Select(i =>
        {
            var item = Item(i);
            if (i % 3 == 0) item.IssueDate = new DateOnly(2024, 6, 30).ToProtoDate();
            return item;
        }).ToList();
        var acks = await StreamAsync(harness, items);
        Assert.All(acks, a => Assert.Equal(ImportOutcome.Created, a.Result.Outcome));
        var after = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0801", IdNumber(801)));

        var numbers = acks.Select(a => a.Result.CertificateNumber).ToList();
        var byPrefix = numbers.GroupBy(n => n[..^6]).ToDictionary(g => g.Key, g => g.Select(n => long.Parse(n[^6..], System.Globalization.CultureInfo.InvariantCulture)).ToList());
        Assert.Equal(2, byPrefix.Count);
        var prefix2025 = before.CertificateNumber[..^6];
        Assert.Equal(Enumerable.Range(1, 20).Select(i => Serial(before.CertificateNumber) + i), byPrefix[prefix2025]);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), byPrefix.Single(p => p.Key != prefix2025).Value);
        Assert.Equal(prefix2025, after.CertificateNumber[..^6]);
        Assert.Equal(byPrefix[prefix2025].Max() + 1, Serial(after.CertificateNumber));
        Assert.Equal(32, numbers.Append(before.CertificateNumber).Append(after.CertificateNumber).Distinct().Count());
    }

    /// <summary>
    /// One batch of 2,304 items: more rows than one SQLite statement carries (SqlBulk.SqliteRowsPerStatement) and more
    /// values than SQLite's 32,766 parameters of one statement (15 columns per certificate), with replays, a reused
    /// request_id and a duplicate holder at the end, where the chunks split.
    /// </summary>
    [Theory, MemberData(nameof(Providers))]
    public async Task BatchBeyondOneStatementAndTheParameterLimit_EveryItemGetsItsOutcome_AndReplaysWhole(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider, new Dictionary<string, string?> { ["Import:BatchSize"] = "5000" });
        await harness.CreateTypeAsync();
        var earlier = Item(4000);
        Assert.Equal(ImportOutcome.Created, (await StreamAsync(harness, [earlier]))[0].Result.Outcome);

        var items = Enumerable.Range(0, 2300).Select(Item).ToList();
        var sameHolder = Item(3000);
        sameHolder.HolderIdNumber = items[1500].HolderIdNumber;
        var reused = Item(3001);
        reused.RequestId = items[1999].RequestId;
        items.AddRange([earlier.Clone(), sameHolder, reused, items[2100].Clone()]);

        var acks = await StreamAsync(harness, items);

        Assert.Equal(2304, acks.Count);
        Assert.All(acks.Take(2300), a => Assert.Equal(ImportOutcome.Created, a.Result.Outcome));
        Assert.Equal(2300, acks.Take(2300).Select(a => a.Result.CertificateNumber).Distinct().Count());
        Assert.Equal([ImportOutcome.Duplicate, ImportOutcome.Duplicate, ImportOutcome.Invalid, ImportOutcome.Duplicate],
            acks.Skip(2300).Select(a => a.Result.Outcome));
        Assert.Equal(acks[1500].Result.CertificateNumber, acks[2301].Result.CertificateNumber);
        Assert.Equal(["request_id"], acks[2302].Result.Violations.Select(v => v.Field));
        Assert.Equal(acks[2100].Result.CertificateNumber, acks[2303].Result.CertificateNumber);
        // The items' own client references came back in order.
        Assert.Equal(items.Select(i => i.ClientReference), acks.Select(a => a.Result.ClientReference));

        // Every stored response replays: the same 2,300 items again create nothing and name the same numbers.
        var again = await StreamAsync(harness, items.Take(2300));
        Assert.All(again, a => Assert.Equal(ImportOutcome.Duplicate, a.Result.Outcome));
        Assert.Equal(acks.Take(2300).Select(a => a.Result.CertificateNumber), again.Select(a => a.Result.CertificateNumber));
        var stored = await harness.Client.GetCertificateAsync(new GetCertificateRequest { CertificateNumber = acks[2299].Result.CertificateNumber });
        Assert.Equal(items[2299].LearnerId, stored.LearnerId);
    }

    private static long Serial(string number) => long.Parse(number[^6..], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<ImportItemAck>> StreamAsync(CertificateServiceHarness harness, IEnumerable<ImportCertificatesRequest> items)
    {
        using var call = harness.Client.StreamImportCertificates();
        foreach (var item in items) await call.RequestStream.WriteAsync(new StreamImportCertificatesRequest { Item = item });
        await call.RequestStream.CompleteAsync();
        var acks = new List<ImportItemAck>();
        await foreach (var ack in call.ResponseStream.ReadAllAsync()) acks.AddRange(ack.Items);
        return acks;
    }
}
