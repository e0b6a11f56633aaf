using ChongqingVet.Certificates;
using ChongqingVet.Data;
using ChongqingVet.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("certificates");
builder.AddCertificates();
var app = builder.Build();
app.MapServiceDefaults();
app.MapCertificates();
return await app.RunOrMigrateAsync(args);
