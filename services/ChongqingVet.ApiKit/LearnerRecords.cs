using ChongqingVet.Common.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.ApiKit;

/// <summary>
/// The one mapping of the learner-record contract (chongqingvet.common.v1.ListLearnerRecords) that all four services
/// share: a page from <see cref="ListPages.ListWithEvidenceAsync{TRecord, TEvidence}"/> becomes the response, each record
/// packed as the service's own resource under its resource name.
/// </summary>
public static class LearnerRecords
{
    public static ListLearnerRecordsResponse Response<TRecord>(
        (ListPage<TRecord> Records, IReadOnlyList<SkillEvidence> Evidence) page, EvidenceSourceKind kind, Func<TRecord, string> nameOf)
        where TRecord : IMessage => new()
    {
        Records = { page.Records.Items.Select(record => new LearnerRecord { Name = nameOf(record), Kind = kind, Record = Any.Pack(record) }) },
        Evidence = { page.Evidence },
        NextPageToken = page.Records.NextPageToken,
    };
}
