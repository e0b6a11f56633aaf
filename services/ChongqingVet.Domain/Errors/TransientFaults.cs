namespace ChongqingVet.Domain.Errors;

/// <summary>What a failed call may do about an infrastructure fault (the database, mostly).</summary>
public enum TransientFault
{
    /// <summary>Not transient: a bug or a permanent fault; the call fails with INTERNAL.</summary>
    None,

    /// <summary>The resource is briefly unreachable or busy (dropped connection, lock wait, failover): UNAVAILABLE, retry later.</summary>
    Unavailable,

    /// <summary>The call lost against a concurrent transaction (serialization failure, deadlock victim): ABORTED, retry the call.</summary>
    Conflict,
}

/// <summary>
/// Tells whether an exception is a transient fault. The data layer implements it (its SQL dialect knows the engine's
/// error codes); the gRPC error interceptor asks it, so the service-defaults layer never references a database driver.
/// </summary>
public interface ITransientFaultClassifier
{
    TransientFault Classify(Exception exception);
}
