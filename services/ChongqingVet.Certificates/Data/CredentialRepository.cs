using ChongqingVet.Certificates.Domain;
using ChongqingVet.Data;
using Dapper;

namespace ChongqingVet.Certificates.Data;

/// <summary>What a signed credential needs beyond the certificate itself: the holder's ID number, decrypted only to hash it.</summary>
public sealed class CredentialRepository(IDbConnectionFactory database, HolderIdentityProtector identity)
{
    private const string HolderIdSql = "SELECT holder_id_enc FROM certificates WHERE certificate_number = @Number";

    public async Task<string?> HolderIdNumberAsync(string certificateNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var encrypted = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(HolderIdSql, new { Number = certificateNumber },
            cancellationToken: cancellationToken));
        return encrypted is null ? null : identity.Decrypt(encrypted);
    }
}
