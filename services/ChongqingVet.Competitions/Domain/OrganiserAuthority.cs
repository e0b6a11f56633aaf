using ChongqingVet.Competitions.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Competitions.Domain;

/// <summary>
/// An institution records and corrects results only of the competitions its own organisation organises: the token's
/// <c>org</c> (unified social credit code) must be the competition's <c>organiser_credit_code</c>. A competition
/// without a code (created before the field existed) has no owning institution; only the catalogue administrator
/// (scope <c>catalog.write</c>) may record its results.
/// </summary>
public static class OrganiserAuthority
{
    public static bool MayRecordResults(Caller caller, Competition competition) => caller.MayActForOwner(competition.OrganiserCreditCode);

    public static void EnsureMayRecordResults(Caller caller, Competition competition)
    {
        if (!MayRecordResults(caller, competition))
            throw new PermissionDeniedException("NOT_THE_ORGANISER",
                competition.OrganiserCreditCode.Length == 0
                    ? $"Competition '{competition.Id}' has no organising institution; only the catalogue administrator may record its results."
                    : $"Only the organisation that organises competition '{competition.Id}' may record or change its results.")
            {
                Metadata = new Dictionary<string, string> { ["competition_id"] = competition.Id },
            };
    }
}
