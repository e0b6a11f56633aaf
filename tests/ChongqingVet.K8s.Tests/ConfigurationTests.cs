using System.Text.RegularExpressions;
using ChongqingVet.K8s.Tests.Manifests;
using k8s.Models;

namespace ChongqingVet.K8s.Tests;

/// <summary>Settings come from ConfigMaps, secrets only from Secrets; databases and migration settings per environment.</summary>
public partial class ConfigurationTests
{
    /// <summary>Setting names that hold a secret (connection strings carry credentials).</summary>
    [GeneratedRegex("ConnectionString|SigningKey|HashKey|EncryptionKey|BlindIndexKey|HmacKey|Password|Passwd|Secret|Token|ApiKey|PrivateKey|Credential", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    /// <summary>A value that embeds a credential, whatever its key is called.</summary>
    [GeneratedRegex(@"(Password|Pwd)\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValue();

    /// <summary>The Secrets an operator creates for production, by name and key (README, operator section).</summary>
    private static readonly Dictionary<string, string[]> OperatorSecrets = new()
    {
        ["certificates-secrets"] = ["connection-string", "page-token-signing-key", "idempotency-hash-key", "holder-identity-encryption-key", "holder-identity-blind-index-key", "audit-hmac-key",
            "credential-signing-key-id", "credential-signing-key"],
        ["competitions-secrets"] = ["connection-string", "page-token-signing-key", "idempotency-hash-key", "audit-hmac-key"],
        ["courses-secrets"] = ["connection-string", "page-token-signing-key", "idempotency-hash-key", "audit-hmac-key"],
        ["jobpostings-secrets"] = ["connection-string", "page-token-signing-key", "idempotency-hash-key", "audit-hmac-key"],
        ["insights-secrets"] = ["connection-string", "page-token-signing-key", "idempotency-hash-key", "feed-client-secret"],
        ["gateway-secrets"] = ["credential-signing-key-id", "credential-signing-key"],
    };

    /// <summary>The services that keep an audit log (and so read Audit__HmacKey); the insights service serves reads only.</summary>
    private static readonly string[] AuditedServices = ["certificates", "competitions", "courses", "jobpostings"];

    private static bool IsAudited(Workload workload) => AuditedServices.Contains(workload.Labels.Get("app.kubernetes.io/name"));

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void ConfigMaps_EachTarget_HoldNoSecrets(string target)
    {
        var policy = new Policy(target);
        foreach (var configMap in Rendered.Of(target).Of<V1ConfigMap>())
        {
            foreach (var (key, value) in configMap.Data ?? new Dictionary<string, string>())
            {
                var subject = $"ConfigMap/{configMap.Metadata.Name} key {key}";
                policy.Require(!SecretName().IsMatch(key), subject, "a secret setting belongs in a Secret");
                policy.Require(!SecretValue().IsMatch(value), subject, "the value embeds a credential");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void SecretSettings_EachTarget_ComeFromSecretKeyRefs(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Rendered.Of(target).Workloads)
        {
            foreach (var container in workload.AllContainers)
            {
                foreach (var variable in container.Env ?? [])
                {
                    var subject = $"{workload.Id} container {container.Name} env {variable.Name}";
                    if (SecretName().IsMatch(variable.Name))
                    {
                        policy.Require(variable.Value is null && variable.ValueFrom?.SecretKeyRef is not null, subject, "set from a secretKeyRef, never a literal value");
                    }
                    policy.Require(variable.Value is null || !SecretValue().IsMatch(variable.Value), subject, "the literal value embeds a credential");
                }
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void References_EachTarget_NameRenderedConfigMapsAndSecrets(string target)
    {
        var rendered = Rendered.Of(target);
        var policy = new Policy(target);
        var configMaps = rendered.Of<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);
        var secrets = rendered.Of<V1Secret>().ToDictionary(s => s.Metadata.Name);
        var isProd = target.StartsWith(Rendered.Prod, StringComparison.Ordinal);
        foreach (var workload in rendered.Workloads)
        {
            foreach (var container in workload.AllContainers)
            {
                var subject = $"{workload.Id} container {container.Name}";
                foreach (var source in container.EnvFrom ?? [])
                {
                    policy.Require(source.SecretRef is null, subject, "no envFrom secretRef: each secret setting is a named secretKeyRef");
                    if (source.ConfigMapRef is { } reference)
                    {
                        policy.Require(configMaps.ContainsKey(reference.Name), subject, $"envFrom ConfigMap '{reference.Name}' is rendered");
                    }
                }
                foreach (var reference in (container.Env ?? []).Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>())
                {
                    if (isProd)
                    {
                        policy.Require(
                            OperatorSecrets.TryGetValue(reference.Name, out var keys) && keys.Contains(reference.Key),
                            subject, $"secretKeyRef {reference.Name}/{reference.Key} is one of the documented operator Secrets");
                    }
                    else
                    {
                        policy.Require(
                            secrets.TryGetValue(reference.Name, out var secret) && (secret.Data?.ContainsKey(reference.Key) == true || secret.StringData?.ContainsKey(reference.Key) == true),
                            subject, $"secretKeyRef {reference.Name}/{reference.Key} is a rendered Secret key");
                    }
                }
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [InlineData(Rendered.Prod)]
    [InlineData(Rendered.ProdMigrations)]
    public void Secrets_Prod_AreCreatedByTheOperatorNotRendered(string target)
    {
        Assert.Empty(Rendered.Of(target).Of<V1Secret>());
    }

    [Theory]
    [InlineData(Rendered.Prod)]
    [InlineData(Rendered.ProdMigrations)]
    public void SecretKeyRefs_Prod_UseEveryDocumentedOperatorSecret(string target)
    {
        var used = Rendered.Of(target).Workloads
            .SelectMany(w => w.AllContainers).SelectMany(c => c.Env ?? [])
            .Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>()
            .Select(r => $"{r.Name}/{r.Key}")
            .ToHashSet();

        // The gateway has no database, so no migration Job uses its Secret.
        var expected = OperatorSecrets.Where(s => target != Rendered.ProdMigrations || s.Key != "gateway-secrets");
        Assert.Equal(
            expected.SelectMany(s => s.Value.Select(k => $"{s.Key}/{k}")).Order(StringComparer.Ordinal),
            used.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(Rendered.Dev, "Postgres")]
    [InlineData(Rendered.DevMigrations, "Postgres")]
    [InlineData(Rendered.Prod, "SqlServer")]
    [InlineData(Rendered.ProdMigrations, "SqlServer")]
    public void DatabaseSettings_EachTarget_UseTheEnvironmentsDatabaseAndLeaveMigrationToTheJob(string target, string provider)
    {
        var rendered = Rendered.Of(target);
        var policy = new Policy(target);
        var configMaps = rendered.Of<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);
        foreach (var workload in rendered.Workloads.Where(w => w.Pod.Containers.Any(c => (c.Env ?? []).Any(e => e.Name == "ConnectionStrings__Database"))))
        {
            var container = workload.Pod.Containers.Single();
            var settings = (container.EnvFrom ?? [])
                .Select(s => s.ConfigMapRef?.Name).OfType<string>()
                .SelectMany(name => configMaps.TryGetValue(name, out var map) && map.Data is not null ? map.Data : new Dictionary<string, string>())
                .Concat((container.Env ?? []).Where(e => e.Value is not null).Select(e => KeyValuePair.Create(e.Name, e.Value)))
                .ToLookup(pair => pair.Key, pair => pair.Value);
            policy.Require(settings["Database__Provider"].SequenceEqual([provider]), workload.Id, $"Database__Provider={provider} (found {string.Join(",", settings["Database__Provider"])})");
            policy.Require(settings["Database__MigrateOnStartup"].SequenceEqual(["false"]), workload.Id, "Database__MigrateOnStartup=false: the migration Job changes the schema");
        }
        policy.AssertNone();
    }

    /// <summary>The base's authority: a name that cannot resolve, which every overlay must replace.</summary>
    private const string PlaceholderAuthority = "https://replace-with-the-oidc-issuer.invalid/";

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void AuthSettings_EachTarget_ComeFromAConfigMapWithTheOverlaysAuthority(string target)
    {
        var rendered = Rendered.Of(target);
        var policy = new Policy(target);
        // Every process of the suite refuses to start without an authority: servers and migration Jobs alike.
        foreach (var workload in rendered.Workloads.Where(w => w.Labels.Get("app.kubernetes.io/component") is "server" or "migration"))
        {
            var container = workload.Pod.Containers.Single();
            var settings = Settings.Of(rendered, container);
            foreach (var key in new[] { "Auth__Authority", "Auth__Audience" })
            {
                policy.Require(Settings.SourceOf(rendered, container, key) is not null, workload.Id, $"{key} comes from a ConfigMap (envFrom), so one change reaches every server");
            }
            var authority = settings.GetValueOrDefault("Auth__Authority");
            policy.Require(Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.AbsolutePath.EndsWith('/'),
                workload.Id, $"Auth__Authority ({authority}) is an absolute http(s) URL ending in /");
            policy.Require(authority != PlaceholderAuthority, workload.Id, "the overlay replaces the base's placeholder authority");
            policy.Require(settings.GetValueOrDefault("Auth__Audience") == "chongqingvet", workload.Id, "Auth__Audience=chongqingvet (what the identity provider puts in aud)");

            // What the servers enforce (SecurityExtensions and JwtBearer): plain-HTTP metadata only with
            // RequireHttpsMetadata=false, and that only in Development or Testing.
            var environment = settings.GetValueOrDefault("ASPNETCORE_ENVIRONMENT") ?? "Production";
            var requireHttps = !string.Equals(settings.GetValueOrDefault("Auth__RequireHttpsMetadata"), "false", StringComparison.OrdinalIgnoreCase);
            policy.Require(requireHttps || environment is "Development" or "Testing", workload.Id,
                $"Auth__RequireHttpsMetadata=false is accepted only in Development or Testing (environment: {environment})");
            policy.Require(!requireHttps || uri?.Scheme == "https", workload.Id,
                $"with Auth__RequireHttpsMetadata on, the authority must be https ({authority}); otherwise every request fails, the probes' too");
        }
        policy.AssertNone();
    }

    [Theory]
    [InlineData(Rendered.Prod)]
    [InlineData(Rendered.ProdMigrations)]
    public void AuthSettings_Prod_HttpsAuthorityInProduction(string target)
    {
        var rendered = Rendered.Of(target);
        var policy = new Policy(target);
        foreach (var workload in rendered.Workloads)
        {
            var settings = Settings.Of(rendered, workload.Pod.Containers.Single());
            policy.Require(settings.GetValueOrDefault("ASPNETCORE_ENVIRONMENT") == "Production", workload.Id, "ASPNETCORE_ENVIRONMENT=Production");
            policy.Require(settings.GetValueOrDefault("Auth__Authority")?.StartsWith("https://", StringComparison.Ordinal) == true, workload.Id, "an https:// authority");
            policy.Require(settings.GetValueOrDefault("Auth__RequireHttpsMetadata") is null or "true", workload.Id, "Auth__RequireHttpsMetadata stays true");
            policy.Require(settings.GetValueOrDefault("Management__Reflection") == "false", workload.Id, "Management__Reflection=false: no reflection or OpenAPI document");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void AuditKey_EachTarget_ComesFromTheServicesSecretForServerAndJobAlike(string target)
    {
        var rendered = Rendered.Of(target);
        var policy = new Policy(target);
        var databaseClients = rendered.Workloads.Where(w => w.Pod.Containers.Any(c => (c.Env ?? []).Any(e => e.Name == "ConnectionStrings__Database"))).ToList();
        Assert.NotEmpty(databaseClients);
        foreach (var workload in databaseClients.Where(w => !IsAudited(w)))
        {
            // A key the process never reads would only be one more secret to keep.
            policy.Require(!(workload.Pod.Containers.Single().Env ?? []).Any(e => e.Name == "Audit__HmacKey"), workload.Id, "no Audit__HmacKey: it keeps no audit log");
        }
        foreach (var workload in databaseClients.Where(IsAudited))
        {
            var env = workload.Pod.Containers.Single().Env ?? [];
            var connection = env.Single(e => e.Name == "ConnectionStrings__Database").ValueFrom?.SecretKeyRef;
            var audit = env.SingleOrDefault(e => e.Name == "Audit__HmacKey")?.ValueFrom?.SecretKeyRef;
            policy.Require(audit is not null && audit.Name == connection?.Name && audit.Key == "audit-hmac-key", workload.Id,
                $"Audit__HmacKey from secretKeyRef {connection?.Name}/audit-hmac-key (the same key for every replica and the migration Job)");
        }
        // Generated dev values are valid keys: base64 of at least 32 bytes.
        foreach (var secret in rendered.Of<V1Secret>().Where(s => s.Data?.ContainsKey("audit-hmac-key") == true))
        {
            var key = System.Text.Encoding.UTF8.GetString(secret.Data["audit-hmac-key"]);
            policy.Require(IsBase64Key(key), $"Secret/{secret.Metadata.Name}", "audit-hmac-key is base64 of at least 32 bytes");
        }
        policy.AssertNone();
    }

    /// <summary>The secret keys every database service reads (DevelopmentKeys rule: required unless Development/Testing opt in).</summary>
    private static readonly string[] ServiceKeys = ["PageTokens__SigningKey", "Idempotency__HashKey", "Audit__HmacKey"];

    /// <summary>The insights service: no audit log, but its feed client's secret (it refuses to start without one when a feed address is set).</summary>
    private static readonly string[] InsightsKeys = ["PageTokens__SigningKey", "Idempotency__HashKey"];

    private static readonly string[] CertificatesKeys = ["HolderIdentity__EncryptionKey", "HolderIdentity__BlindIndexKey"];

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void SecretKeys_EachTarget_ComeFromSecretsAndNoWorkloadRunsOnDevelopmentKeys(string target)
    {
        var rendered = Rendered.Of(target);
        var policy = new Policy(target);
        var secrets = rendered.Of<V1Secret>().ToDictionary(s => s.Metadata.Name);
        foreach (var workload in rendered.Workloads)
        {
            foreach (var container in workload.AllContainers)
            {
                // The opt-in belongs to the local suite and the tests; a manifest never replaces a missing key.
                policy.Require(!Settings.Of(rendered, container).ContainsKey("DevelopmentKeys__Allow"), workload.Id,
                    "no DevelopmentKeys__Allow: Kubernetes workloads run on real keys from Secrets");
                var env = container.Env ?? [];
                if (!env.Any(e => e.Name == "ConnectionStrings__Database")) continue;
                var required = workload.Labels.Get("app.kubernetes.io/name") switch
                {
                    "certificates" => ServiceKeys.Concat(CertificatesKeys),
                    "insights" => InsightsKeys,
                    _ => ServiceKeys,
                };
                if (workload.Labels.Get("app.kubernetes.io/name") == "insights")
                {
                    var clientSecret = env.SingleOrDefault(e => e.Name == "Feeds__ClientSecret")?.ValueFrom?.SecretKeyRef;
                    policy.Require(clientSecret is not null, workload.Id, "Feeds__ClientSecret from a secretKeyRef (the service refuses to start without it when it follows the feeds)");
                    if (clientSecret is not null && secrets.TryGetValue(clientSecret.Name, out var feedSecret))
                        policy.Require(feedSecret.Data?.TryGetValue(clientSecret.Key, out var bytes) == true && bytes.Length > 0, $"Secret/{clientSecret.Name}", $"{clientSecret.Key} is set");
                }
                foreach (var key in required)
                {
                    var reference = env.SingleOrDefault(e => e.Name == key)?.ValueFrom?.SecretKeyRef;
                    policy.Require(reference is not null, workload.Id, $"{key} from a secretKeyRef (the service refuses to start without it)");
                    // Secrets the overlay generates (dev) hold valid keys; prod's are the operator's and not rendered.
                    if (reference is not null && secrets.TryGetValue(reference.Name, out var secret))
                    {
                        var value = secret.Data?.TryGetValue(reference.Key, out var bytes) == true ? System.Text.Encoding.UTF8.GetString(bytes) : "";
                        policy.Require(IsBase64Key(value), $"Secret/{reference.Name}", $"{reference.Key} is base64 of at least 32 bytes");
                    }
                }
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void CredentialSigningKey_CertificatesWorkloads_ComeFromSecretsAndTheDevKeyIsAUsableP256Key(string target)
    {
        var rendered = Rendered.Of(target);
        var policy = new Policy(target);
        var secrets = rendered.Of<V1Secret>().ToDictionary(s => s.Metadata.Name);
        foreach (var workload in rendered.Workloads)
        {
            foreach (var container in workload.AllContainers.Where(c => c.Image.Contains("certificates", StringComparison.Ordinal)))
            {
                var env = container.Env ?? [];
                if (!env.Any(e => e.Name == "ConnectionStrings__Database")) continue;
                foreach (var name in new[] { "Credentials__Keys__0__KeyId", "Credentials__Keys__0__PrivateKeyPem" })
                {
                    var reference = env.SingleOrDefault(e => e.Name == name)?.ValueFrom?.SecretKeyRef;
                    policy.Require(reference is not null, workload.Id, $"{name} from a secretKeyRef (the service refuses to start without a signing key)");
                    if (name.EndsWith("Pem", StringComparison.Ordinal) && reference is not null && secrets.TryGetValue(reference.Name, out var secret))
                    {
                        var pem = secret.Data?.TryGetValue(reference.Key, out var bytes) == true ? System.Text.Encoding.UTF8.GetString(bytes) : "";
                        using var key = System.Security.Cryptography.ECDsa.Create();
                        var usable = false;
                        try
                        {
                            key.ImportFromPem(pem);
                            usable = key.KeySize == 256 && key.ExportParameters(true).D is { Length: 32 };
                        }
                        catch (ArgumentException)
                        {
                        }
                        policy.Require(usable, $"Secret/{reference.Name}", $"{reference.Key} is a PEM P-256 private key");
                    }
                }
            }
        }
        policy.AssertNone();
    }

    private static bool IsBase64Key(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var length) && length >= 32;
    }
}
