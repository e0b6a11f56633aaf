using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Credentials;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Certificates.Domain.Credentials;

/// <summary>
/// Verifies a certificate credential in four steps, in order — format (a compact JWS whose payload is an
/// OpenBadgeCredential of this issuer), proof (an allowed algorithm, a known <c>kid</c>, no key carried in the header,
/// a valid signature), status (the certificate exists here, the bit at its Bitstring Status List index is clear and
/// it is not revoked), validity (today within
/// validFrom … validUntil) — and reports every step; after a failure the rest are skipped.
/// </summary>
public sealed class CredentialVerifier(CredentialKeyRing keys, CredentialOptions options, TimeProvider clock)
{
    public const string FormatStep = "format";
    public const string ProofStep = "proof";
    public const string StatusStep = "status";
    public const string ValidityStep = "validity";

    // Header members that would let the token choose its own key or extend the rules.
    private static readonly string[] ForbiddenHeaderMembers = ["jwk", "jku", "x5u", "x5c", "crit"];
    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>
    /// Verifies <paramref name="jws"/>; <paramref name="statusOf"/> gives a certificate's effective status, null when
    /// this service never issued it; <paramref name="statusLists"/> are this service's own Bitstring Status Lists (read
    /// from its store, not over HTTP).
    /// </summary>
    public async Task<VerifyCredentialResponse> VerifyAsync(string jws, Func<string, CancellationToken, Task<CertificateStatus?>> statusOf,
        IStatusListSource statusLists, CancellationToken cancellationToken)
    {
        var response = new VerifyCredentialResponse();
        var steps = new List<Func<Task<string?>>>();
        Parsed? parsed = null;
        string? statusDetail = null;
        steps.Add(() => Task.FromResult(Parse(jws, out parsed)));
        steps.Add(() => CheckProofAsync(jws, parsed!));
        steps.Add(async () =>
        {
            var (failure, detail) = await CheckStatusAsync(parsed!, statusOf, statusLists, cancellationToken);
            statusDetail = detail;
            return failure;
        });
        steps.Add(() => Task.FromResult(CheckValidity(parsed!)));
        string[] names = [FormatStep, ProofStep, StatusStep, ValidityStep];

        var failed = false;
        for (var i = 0; i < steps.Count; i++)
        {
            if (failed)
            {
                response.Checks.Add(new CredentialCheck { Step = names[i], Outcome = CredentialCheckOutcome.Skipped, Detail = "an earlier step failed" });
                continue;
            }
            var failure = await steps[i]();
            failed = failure is not null;
            response.Checks.Add(new CredentialCheck
            {
                Step = names[i],
                Outcome = failed ? CredentialCheckOutcome.Failed : CredentialCheckOutcome.Passed,
                Detail = failure ?? (names[i] == StatusStep && statusDetail is not null ? statusDetail : PassedDetail(names[i], parsed)),
            });
            if (i == 0 && parsed is not null) response.CertificateNumber = parsed.CertificateNumber;
        }
        response.Verified = !failed;
        return response;
    }

    private sealed record Parsed(JsonObject Header, JsonObject Payload, string CertificateNumber, DateTimeOffset ValidFrom, DateTimeOffset? ValidUntil);

    private string? Parse(string jws, out Parsed? parsed)
    {
        parsed = null;
        if (jws.Length > CompactJws.MaxLength) return $"longer than {CompactJws.MaxLength} characters";
        var parts = jws.Split('.');
        // An empty signature part (an unsecured "alg: none" token) is a proof failure, reported as such.
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0) return "not a compact JWS (header.payload.signature, base64url)";
        if (DecodeObject(parts[0]) is not { } header) return "the header is not a base64url JSON object";
        if (DecodeObject(parts[1]) is not { } payload) return "the payload is not a base64url JSON object";

        if (Strings(payload["@context"]) is not [OpenBadgeCredential.VcContext, .. var contexts] || !contexts.Contains(OpenBadgeCredential.Ob3Context))
            return $"@context must start with {OpenBadgeCredential.VcContext} and include {OpenBadgeCredential.Ob3Context}";
        var types = Strings(payload["type"]);
        if (types is null || !types.Contains("VerifiableCredential") || !types.Contains("OpenBadgeCredential"))
            return "type must include VerifiableCredential and OpenBadgeCredential";
        var id = Text(payload["id"]);
        if (id is null || Text(payload["jti"]) != id) return "id is missing or differs from jti";
        if (OpenBadgeCredential.CertificateNumberOf(options.IssuerBaseUrl, id) is not { } number)
            return $"id is not a credential of this issuer ({options.IssuerBaseUrl})";
        if (payload["credentialSubject"] is not JsonObject subject || subject["achievement"] is not JsonObject)
            return "credentialSubject.achievement is missing";
        if (Time(payload["validFrom"]) is not { } validFrom) return "validFrom is missing or not a date-time";
        DateTimeOffset? validUntil = null;
        if (payload["validUntil"] is not null)
        {
            if (Time(payload["validUntil"]) is not { } until) return "validUntil is not a date-time";
            validUntil = until;
        }
        parsed = new Parsed(header, payload, number, validFrom, validUntil);
        return null;
    }

    private async Task<string?> CheckProofAsync(string jws, Parsed parsed)
    {
        var algorithm = Text(parsed.Header["alg"]);
        // Both lists: a known algorithm (never "none") that this deployment allows.
        if (algorithm is null || !CredentialKey.Algorithms.Contains(algorithm) || !keys.AllowedAlgorithms.Contains(algorithm))
            return $"algorithm '{algorithm ?? "(none)"}' is not allowed (allowed: {string.Join(", ", keys.AllowedAlgorithms)})";
        if (ForbiddenHeaderMembers.FirstOrDefault(parsed.Header.ContainsKey) is { } member)
            return $"the header carries '{member}': keys come only from this issuer's JWKS";
        if (jws.EndsWith('.')) return "the signature is missing";
        var keyId = Text(parsed.Header["kid"]);
        if (keys.Find(keyId) is not { } key) return $"unknown key id '{keyId ?? "(none)"}'";
        if (key.Algorithm != algorithm) return $"key '{key.KeyId}' signs with {key.Algorithm}, not {algorithm}";
        if (key.SecurityKey is null)
        {
            // SM2SM3: Microsoft.IdentityModel has no SM2; the key checks r ‖ s over the JWS signing input itself.
            var lastDot = jws.LastIndexOf('.');
            byte[] signature;
            try
            {
                signature = Base64UrlEncoder.DecodeBytes(jws[(lastDot + 1)..]);
            }
            catch (Exception exception) when (exception is FormatException or ArgumentException)
            {
                return "the signature is not base64url";
            }
            return key.VerifySm2(Encoding.ASCII.GetBytes(jws[..lastDot]), signature) ? null : "the signature does not match the payload and key";
        }

        var result = await Handler.ValidateTokenAsync(jws, new TokenValidationParameters
        {
            IssuerSigningKey = key.SecurityKey,
            ValidAlgorithms = [algorithm],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false, // the validity step checks the window on the service's clock
            RequireExpirationTime = false,
            RequireSignedTokens = true,
        });
        return result.IsValid ? null : "the signature does not match the payload and key";
    }

    /// <summary>
    /// The certificate exists here; its <c>credentialStatus</c> (when present — credentials signed before status lists
    /// carry none) is a revocation <c>BitstringStatusListEntry</c> of one of this issuer's lists whose bit is not set;
    /// and the certificate's own status is not revoked. Returns the failure, or null and what passed.
    /// </summary>
    private async Task<(string? Failure, string? Detail)> CheckStatusAsync(Parsed parsed, Func<string, CancellationToken, Task<CertificateStatus?>> statusOf,
        IStatusListSource statusLists, CancellationToken cancellationToken)
    {
        var status = await statusOf(parsed.CertificateNumber, cancellationToken);
        if (status is null) return ("this service issued no certificate with this number", null);
        string? detail = null;
        if (parsed.Payload["credentialStatus"] is { } entryNode)
        {
            if (entryNode is not JsonObject entry
                || Text(entry["type"]) != BitstringStatusList.EntryType
                || Text(entry["statusPurpose"]) != BitstringStatusList.Purpose
                || Text(entry["statusListCredential"]) is not { } listUrl
                || BitstringStatusList.ListIdOf(options.IssuerBaseUrl, listUrl) is not { } listId
                || !int.TryParse(Text(entry["statusListIndex"]), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                return ($"credentialStatus is not a {BitstringStatusList.Purpose} {BitstringStatusList.EntryType} of this issuer's status lists", null);
            }
            switch (await statusLists.IsSetAsync(listId, index, cancellationToken))
            {
                case null:
                    return ($"status list {listUrl} does not exist or has no index {index}", null);
                case true:
                    return ($"revoked: bit {index} of status list {listUrl} is set", null);
            }
            detail = $"not revoked (bit {index} of status list {listUrl} is clear)";
        }
        return status == CertificateStatus.Revoked ? ("the certificate has been revoked", null) : (null, detail);
    }

    private string? CheckValidity(Parsed parsed)
    {
        var now = clock.GetUtcNow();
        if (now < parsed.ValidFrom) return $"not valid before {parsed.ValidFrom:yyyy-MM-dd}";
        if (parsed.ValidUntil is { } until && now > until) return $"expired after {until:yyyy-MM-dd}";
        return null;
    }

    private string PassedDetail(string step, Parsed? parsed) => step switch
    {
        FormatStep => "an OpenBadgeCredential of this issuer",
        ProofStep => $"signed with key '{Text(parsed!.Header["kid"])}' ({Text(parsed.Header["alg"])})",
        StatusStep => "not revoked",
        _ => parsed!.ValidUntil is { } until ? $"valid from {parsed.ValidFrom:yyyy-MM-dd} to {until:yyyy-MM-dd}" : $"valid from {parsed.ValidFrom:yyyy-MM-dd}, no expiry",
    };

    private static JsonObject? DecodeObject(string part)
    {
        try
        {
            return JsonNode.Parse(Base64UrlEncoder.DecodeBytes(part)) as JsonObject;
        }
        catch (Exception exception) when (exception is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static List<string>? Strings(JsonNode? node) => node switch
    {
        JsonArray array when array.All(n => Text(n) is not null) => [.. array.Select(n => Text(n)!)],
        JsonValue => Text(node) is { } single ? [single] : null,
        _ => null,
    };

    private static DateTimeOffset? Time(JsonNode? node) =>
        Text(node) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;
}
