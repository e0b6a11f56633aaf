using Microsoft.AspNetCore.Builder;

namespace ChongqingVet.ServiceDefaults;

/// <summary>How every server of the suite creates its <see cref="WebApplicationBuilder"/>.</summary>
public static class ServerBuilder
{
    /// <summary>The host setting that keeps appsettings*.json from being watched (read once at start-up).</summary>
    public const string ReadConfigurationFilesOnce = "--hostBuilder:reloadConfigOnChange=false";

    /// <summary>
    /// <see cref="WebApplication.CreateBuilder(string[])"/> without watching configuration files. The servers are
    /// configured by environment (Kubernetes ConfigMaps and Secrets arrive as variables) and nothing in them reloads,
    /// but the default watcher covers the content root — the image's /app — and every directory below it, so a SQLite
    /// database under it (the default <c>data/</c>) woke the watcher on every write: an import spent half as much CPU
    /// again (docs/PERFORMANCE.md, "Import, stage by stage"). A changed appsettings file takes effect on restart.
    /// </summary>
    public static WebApplicationBuilder Create(string[] args) => WebApplication.CreateBuilder([.. args, ReadConfigurationFilesOnce]);
}
