namespace ChongqingVet.K8s.Tests.Manifests;

/// <summary>Paths in the repository the tests run from.</summary>
public static class Repository
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ChongqingVet.Services.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"No ChongqingVet.Services.sln above {AppContext.BaseDirectory}.");
    }
}
