using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.Grpc;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.Certificates.Tests;

/// <summary>
/// The holder-identity keys under the one development-key rule, through the real certificates host (environment
/// Testing): without <c>DevelopmentKeys:Allow=true</c> a missing key stops start-up; with it the host starts on
/// development keys and says so through its logger; a malformed key is refused either way.
/// </summary>
public class DevelopmentKeyTests
{
    private static readonly string Key32 = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    [Fact]
    public async Task Start_WithoutOptInAndWithoutHolderIdentityKeys_FailsNamingTheMissingSetting()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = WithOtherKeys(database);
        settings[DevelopmentKeys.AllowSetting] = "false";
        await using var factory = new GrpcServiceFactory<CertificateGrpcService>(settings);

        var error = StartFailure(factory);

        Assert.Contains("HolderIdentity:EncryptionKey", error.Message, StringComparison.Ordinal);
        Assert.Contains(DevelopmentKeys.AllowSetting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithOptInAndWithoutHolderIdentityKeys_StartsOnDevelopmentKeysAndWarnsThroughTheLogger()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var factory = new GrpcServiceFactory<CertificateGrpcService>(WithOtherKeys(database));

        _ = factory.Server;
        var protector = factory.Services.GetRequiredService<HolderIdentityProtector>();

        Assert.Equal("张三", protector.Decrypt(protector.Encrypt("张三")));
        var warnings = factory.Logs.Records.Where(r => r.StartsWith("Warning ", StringComparison.Ordinal)).ToList();
        Assert.Contains(warnings, r => r.Contains("HolderIdentity:EncryptionKey is not set", StringComparison.Ordinal));
        Assert.Contains(warnings, r => r.Contains("HolderIdentity:BlindIndexKey is not set", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, r => r.Contains("Audit:HmacKey", StringComparison.Ordinal)); // that one is set
    }

    [Theory]
    [InlineData("HolderIdentity:BlindIndexKey", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 31 bytes
    [InlineData("HolderIdentity:EncryptionKey", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // 64 bytes
    [InlineData("HolderIdentity:EncryptionKey", "not base64!")]
    public async Task Start_MalformedHolderIdentityKeyEvenWithOptIn_FailsNamingTheKeyWithoutEchoingIt(string key, string value)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = WithOtherKeys(database);
        settings[key] = value;
        await using var factory = new GrpcServiceFactory<CertificateGrpcService>(settings);

        var error = StartFailure(factory);

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
    }

    /// <summary>The database and every key but the holder identity's, so the failure can only come from those.</summary>
    private static Dictionary<string, string?> WithOtherKeys(TestDatabase database)
    {
        var settings = database.ToConfiguration();
        settings["PageTokens:SigningKey"] = Key32;
        settings["Idempotency:HashKey"] = Key32;
        settings["Audit:HmacKey"] = Key32;
        return settings;
    }

    /// <summary>Starts the host and returns the start-up error (the host may wrap it).</summary>
    private static InvalidOperationException StartFailure(GrpcServiceFactory<CertificateGrpcService> factory)
    {
        var thrown = Assert.ThrowsAny<Exception>(() => factory.Server);
        for (Exception? current = thrown; current is not null; current = current.InnerException)
            if (current is InvalidOperationException { Message: var message } error && message.Contains("HolderIdentity:", StringComparison.Ordinal))
                return error;
        throw new Xunit.Sdk.XunitException($"Start-up failed for another reason: {thrown}");
    }
}
