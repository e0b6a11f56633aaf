using System.Diagnostics.Metrics;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.JobPostings;

/// <summary>The job postings service's meter (exported with every <c>ChongqingVet.*</c> meter by ServiceDefaults).</summary>
public sealed class JobPostingMetrics
{
    public const string MeterName = "ChongqingVet.JobPostings";
    public const string MatchesServedName = "chongqingvet.jobpostings.matches_served";

    private readonly Counter<long> _matchesServed;

    public JobPostingMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _matchesServed = meter.CreateCounter<long>(MatchesServedName, "{posting}", "Ranked postings returned by MatchJobPostings, over all pages.");
    }

    public MatchJobPostingsResponse Served(MatchJobPostingsResponse response)
    {
        if (response.Matches.Count > 0) _matchesServed.Add(response.Matches.Count);
        return response;
    }
}
