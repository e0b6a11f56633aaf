using ChongqingVet.Certificates;
using ChongqingVet.Data;
using ChongqingVet.ServiceDefaults;

var builder = ServerBuilder.Create(args);
builder.AddServiceDefaults("certificates");
builder.AddCertificates();
var app = builder.Build();
app.MapServiceDefaults();
app.MapCertificates();
// --migrate-holder-identity: re-encrypts and re-indexes stored holder identities under HolderIdentity:Algorithm, then exits.
if (args.Contains(ChongqingVet.Certificates.Data.HolderIdentityMigration.Command))
    return await ChongqingVet.Certificates.Data.HolderIdentityMigration.RunCommandAsync(app.Services, args, Console.Out, CancellationToken.None);
return await app.RunOrMigrateAsync(args);
