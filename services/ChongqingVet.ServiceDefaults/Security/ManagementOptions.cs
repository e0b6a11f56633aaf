using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// <c>Management:*</c> — diagnostics that must not face the public: gRPC reflection (and the gateway's OpenAPI
/// document) only when <c>Management:Reflection</c> is true (default: Development only); <c>/metrics</c> only on the port
/// <c>Management:Port</c> when set (bind a Kestrel endpoint named <c>Management</c> to it), everywhere otherwise.
/// </summary>
public sealed record ManagementOptions(bool Reflection, int? Port)
{
    public static ManagementOptions From(IConfiguration configuration, IHostEnvironment environment) => new(
        configuration.GetValue<bool?>("Management:Reflection") ?? environment.IsDevelopment(),
        configuration.GetValue<int?>("Management:Port"));
}
