using ChongqingVet.Courses;
using ChongqingVet.Data;
using ChongqingVet.ServiceDefaults;

var builder = ServerBuilder.Create(args);
builder.AddServiceDefaults("courses");
builder.AddCourses();
var app = builder.Build();
app.MapServiceDefaults();
app.MapCourses();
return await app.RunOrMigrateAsync(args);
