namespace ChongqingVet.Data.Audit;

/// <summary>Why a link of the audit chain is broken.</summary>
public enum AuditBreak
{
    /// <summary>Not broken.</summary>
    None,

    /// <summary>A record's fields no longer match its hash, or its hash was recomputed after it was written.</summary>
    Edited,

    /// <summary>A record is missing: a gap in the sequence, or records missing at the end of the chain.</summary>
    Deleted,

    /// <summary>A record is out of place: it links to a record other than the one before it, or lies before the anchor.</summary>
    Reordered,

    /// <summary>The head (last sequence and hash, retention anchor, their seal) was changed outside the service.</summary>
    HeadMismatch,
}

/// <summary>
/// The result of <see cref="AuditLog.VerifyAsync"/>: intact, or the first broken link (its sequence, null when only the
/// head is broken) and why. <see cref="RecordsChecked"/> counts the records found intact before the break.
/// </summary>
public sealed record AuditVerification(
    bool Ok,
    long RecordsChecked,
    long? FirstBrokenSequence,
    AuditBreak Reason,
    string Detail,
    long AnchorSequence,
    long LastSequence,
    string Algorithm)
{
    /// <summary>One line for operators (the verify command prints it); holds no personal data.</summary>
    public override string ToString() => Ok
        ? $"Audit chain intact: {RecordsChecked} record(s) checked (sequences {AnchorSequence}..{LastSequence}, {Algorithm})."
        : $"Audit chain BROKEN at {(FirstBrokenSequence is { } s ? "sequence " + s : "the chain head")}: {Reason}. {Detail} " +
          $"{RecordsChecked} record(s) before it are intact (anchor {AnchorSequence}, last {LastSequence}, {Algorithm}).";
}

/// <summary>What one retention run did: records deleted, the anchor the kept chain now starts at, and whether it
/// stopped early because the records it would delete do not verify (they are kept as evidence).</summary>
public sealed record AuditCleanup(int Deleted, long AnchorSequence, bool StoppedAtBrokenChain);
