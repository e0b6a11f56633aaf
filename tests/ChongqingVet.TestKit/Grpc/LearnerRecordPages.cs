using ChongqingVet.Common.V1;
using Xunit;

namespace ChongqingVet.TestKit.Grpc;

/// <summary>
/// Reads every page of a service's ListLearnerRecords (the common learner-record contract) and checks the contract's
/// promise on each page: the page's evidence comes from the page's records only.
/// </summary>
public static class LearnerRecordPages
{
    /// <returns>All records and evidence in page order, and the number of pages read.</returns>
    public static async Task<(List<LearnerRecord> Records, List<SkillEvidence> Evidence, int Pages)> ReadAllAsync(
        Func<ListLearnerRecordsRequest, Task<ListLearnerRecordsResponse>> list, string learnerId, int pageSize)
    {
        var records = new List<LearnerRecord>();
        var evidence = new List<SkillEvidence>();
        var token = string.Empty;
        var pages = 0;
        do
        {
            var page = await list(new ListLearnerRecordsRequest { LearnerId = learnerId, PageSize = pageSize, PageToken = token });
            pages++;
            Assert.True(page.Records.Count <= pageSize, $"page {pages} holds {page.Records.Count} records, more than {pageSize}");
            var names = page.Records.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            Assert.All(page.Evidence, e => Assert.Contains(e.SourceName, names));
            records.AddRange(page.Records);
            evidence.AddRange(page.Evidence);
            token = page.NextPageToken;
            Assert.True(pages <= 1000, "the pages never end");
        }
        while (token.Length > 0);
        return (records, evidence, pages);
    }
}
