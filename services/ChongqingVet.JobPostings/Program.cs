using ChongqingVet.Data;
using ChongqingVet.JobPostings;
using ChongqingVet.ServiceDefaults;

var builder = ServerBuilder.Create(args);
builder.AddServiceDefaults("jobpostings");
builder.AddJobPostings();
var app = builder.Build();
app.MapServiceDefaults();
app.MapJobPostings();
return await app.RunOrMigrateAsync(args);
