using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Samples;
using Dapper;

namespace ChongqingVet.Courses.Data;

/// <summary>
/// Sample majors (DOMAIN.md §2), about 45 courses with skill outcomes from the shared vocabulary, credit rules for the
/// certificates service's sample types and the competition matrix (DOMAIN.md §5), and enrolments with grades for
/// L0001…L0049 (some strong, some failing, some ungraded; L0050 has none). L0001…L0040 study the six engineering and
/// IT majors in turn; L0041…L0049 study 540101 旅游管理, whose courses teach tourism skills only (a cluster outside the
/// 33618 key clusters), so the insights' programme–industry match and employment relevance differ by major.
/// Seeded once: a second run adds nothing.
/// </summary>
public sealed class CourseSampleData(CourseRepository courses, EnrollmentRepository enrollments, CreditRuleRepository rules) : ISampleDataSeeder
{
    private const string SeededSql = "SELECT COUNT(*) FROM majors WHERE code = @Code";

    public static IReadOnlyList<Major> Majors { get; } =
    [
        Major("660301", "机电技术应用", "2021-03-01", "", 60),
        Major("460301", "机电一体化技术", "2021-03-01", "560301", 80),
        Major("510203", "软件技术", "2021-03-01", "610205", 80),
        Major("510302", "计算机网络技术", "2021-03-01", "610202", 76),
        Major("460304", "智能机器人技术", "2021-03-01", "", 78),
        Major("260604", "无人机系统应用技术", "2021-03-01", "", 120),
        Major("540101", "旅游管理", "2021-03-01", "", 70),
    ];

    private const string Mech = "460301 660301";
    private const string Soft = "510203 510302";
    private const string All = "660301 460301 510203 510302 460304 260604";
    /// <summary>The public courses without skill outcomes (思政, 体育) are taken by every major, tourism included.</summary>
    private const string Everyone = All + " " + Tourism;
    private const string Tourism = "540101";

    public static IReadOnlyList<Course> Courses { get; } =
    [
        C("GB-SZ01", "思想道德与法治", 3, 48, CourseCategory.Public, Everyone),
        C("GB-SZ02", "毛泽东思想和中国特色社会主义理论体系概论", 2, 32, CourseCategory.Public, Everyone),
        C("GB-TY01", "体育与健康", 2, 64, CourseCategory.Public, Everyone),
        C("GB-YW01", "大学语文", 2, 32, CourseCategory.Public, All, ("TECH-ENG", SkillLevel._5Beginner)),
        C("GB-JS01", "信息技术基础", 2, 32, CourseCategory.Public, All, ("PY-DEV", SkillLevel._5Beginner)),
        C("GB-AQ01", "安全生产与职业素养", 1, 16, CourseCategory.Public, All, ("SAFETY-PROD", SkillLevel._5Beginner), ("TEAM-COOP", SkillLevel._5Beginner)),
        C("JD-101", "机械制图与CAD", 4, 64, CourseCategory.Foundation, Mech + " 460304 260604", ("CAD-MECH", SkillLevel._4Intermediate)),
        C("JD-102", "电工电子技术", 4, 64, CourseCategory.Foundation, Mech + " 460304", ("ELEC-INST", SkillLevel._4Intermediate), ("ELEC-SAFE", SkillLevel._4Intermediate)),
        C("JD-103", "液压与气动技术", 3, 48, CourseCategory.Foundation, Mech, ("PNEU-HYD", SkillLevel._4Intermediate)),
        C("JD-104", "传感器与检测技术", 3, 48, CourseCategory.Foundation, Mech + " 460304", ("SENSOR-APP", SkillLevel._4Intermediate)),
        C("JD-201", "PLC应用技术", 4, 64, CourseCategory.Core, Mech + " 460304", ("PLC-PROG", SkillLevel._3Advanced), ("HMI-CONF", SkillLevel._4Intermediate)),
        C("JD-202", "电机与电气控制", 4, 64, CourseCategory.Core, Mech, ("MOTOR-CTRL", SkillLevel._3Advanced), ("ELEC-INST", SkillLevel._3Advanced)),
        C("JD-203", "伺服与变频调试", 3, 48, CourseCategory.Core, Mech, ("SERVO-DRV", SkillLevel._4Intermediate)),
        C("JD-204", "工业网络与组态", 3, 48, CourseCategory.Core, Mech, ("PLC-NET", SkillLevel._4Intermediate), ("HMI-CONF", SkillLevel._3Advanced)),
        C("JD-205", "数控加工技术", 4, 64, CourseCategory.Core, Mech, ("CNC-LATHE", SkillLevel._4Intermediate), ("CNC-MILL", SkillLevel._4Intermediate)),
        C("JD-301", "智能制造执行系统", 2, 32, CourseCategory.Elective, Mech, ("MES-OPS", SkillLevel._4Intermediate)),
        C("JD-302", "数字孪生应用", 2, 32, CourseCategory.Elective, Mech + " 460304", ("DIGI-TWIN", SkillLevel._5Beginner)),
        C("JQ-201", "工业机器人操作与编程", 4, 64, CourseCategory.Core, "460304 460301", ("IR-OPS", SkillLevel._3Advanced), ("IR-PROG", SkillLevel._4Intermediate)),
        C("JQ-202", "工业机器人维护保养", 3, 48, CourseCategory.Core, "460304", ("IR-MAINT", SkillLevel._4Intermediate), ("IR-SAFETY", SkillLevel._4Intermediate)),
        C("JQ-203", "机器人系统集成", 4, 64, CourseCategory.Core, "460304", ("IR-INTEG", SkillLevel._3Advanced), ("IR-CALIB", SkillLevel._4Intermediate)),
        C("JQ-204", "机器视觉应用", 3, 48, CourseCategory.Core, "460304", ("IR-VISION", SkillLevel._4Intermediate)),
        C("JQ-205", "离线编程与仿真", 2.5, 40, CourseCategory.Elective, "460304", ("IR-OFFLINE", SkillLevel._4Intermediate)),
        C("JQ-206", "焊接机器人应用", 2, 32, CourseCategory.Elective, "460304", ("WELD-ROBOT", SkillLevel._5Beginner)),
        C("RJ-101", "程序设计基础(Python)", 4, 64, CourseCategory.Foundation, Soft, ("PY-DEV", SkillLevel._4Intermediate)),
        C("RJ-102", "数据库原理与SQL", 4, 64, CourseCategory.Foundation, Soft, ("DB-SQL", SkillLevel._4Intermediate)),
        C("RJ-103", "Linux操作系统", 3, 48, CourseCategory.Foundation, Soft, ("LINUX-ADM", SkillLevel._4Intermediate)),
        C("RJ-201", "Java企业级开发", 6, 96, CourseCategory.Core, "510203", ("JAVA-DEV", SkillLevel._3Advanced)),
        C("RJ-202", "Web前端开发", 4, 64, CourseCategory.Core, "510203", ("WEB-FE", SkillLevel._3Advanced)),
        C("RJ-203", "软件测试", 3, 48, CourseCategory.Core, "510203", ("SW-TEST", SkillLevel._4Intermediate)),
        C("RJ-204", "移动应用开发", 4, 64, CourseCategory.Core, "510203", ("MOBILE-DEV", SkillLevel._4Intermediate)),
        C("RJ-205", "云计算与DevOps", 3, 48, CourseCategory.Core, Soft, ("DEVOPS", SkillLevel._4Intermediate), ("CLOUD-OPS", SkillLevel._4Intermediate)),
        C("RJ-301", "人工智能应用开发", 3, 48, CourseCategory.Elective, "510203", ("AI-APP", SkillLevel._4Intermediate), ("AI-COMPUTE", SkillLevel._5Beginner)),
        C("RJ-302", "机器学习基础", 2, 32, CourseCategory.Elective, "510203", ("ML-MODEL", SkillLevel._5Beginner)),
        C("RJ-303", "大数据分析", 2, 32, CourseCategory.Elective, Soft, ("BIG-DATA", SkillLevel._5Beginner), ("DATA-ANL", SkillLevel._4Intermediate)),
        C("WL-201", "网络构建与运维", 4, 64, CourseCategory.Core, "510302", ("NET-BUILD", SkillLevel._3Advanced), ("NET-ROUTE", SkillLevel._4Intermediate)),
        C("WL-202", "网络安全技术", 4, 64, CourseCategory.Core, "510302", ("NET-SEC", SkillLevel._4Intermediate), ("SEC-PENT", SkillLevel._5Beginner)),
        C("WL-203", "5G网络技术", 2, 32, CourseCategory.Elective, "510302", ("5G-NET", SkillLevel._5Beginner)),
        C("WR-201", "无人机组装与调试", 4, 64, CourseCategory.Core, "260604", ("UAV-OPS", SkillLevel._4Intermediate)),
        C("WR-202", "无人机航测技术", 4, 64, CourseCategory.Core, "260604", ("SURVEY-UAV", SkillLevel._3Advanced)),
        C("WR-203", "BIM建模基础", 2, 32, CourseCategory.Elective, "260604", ("BIM-MODEL", SkillLevel._5Beginner)),
        C("QC-301", "新能源汽车技术概论", 2, 32, CourseCategory.Elective, Mech, ("EV-BATT", SkillLevel._5Beginner), ("AUTO-ELEC", SkillLevel._5Beginner)),
        C("LY-101", "旅游学概论", 3, 48, CourseCategory.Foundation, Tourism),
        C("LY-201", "导游业务", 4, 64, CourseCategory.Core, Tourism, ("TOUR-GUIDE", SkillLevel._4Intermediate)),
        C("LY-202", "旅游线路设计", 3, 48, CourseCategory.Core, Tourism, ("TOUR-PLAN", SkillLevel._4Intermediate)),
        C("LY-203", "酒店服务与管理", 3, 48, CourseCategory.Core, Tourism, ("HOTEL-SVC", SkillLevel._4Intermediate)),
    ];

    /// <summary>Credit rules: 1+X and MOHRSS certificates (DOMAIN.md §5: junior → foundation, intermediate → core) and the award matrix.</summary>
    public static IReadOnlyList<CreditRule> Rules { get; } = BuildRules();

    public async Task SeedAsync(IDbConnectionFactory database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(SeededSql, new { Code = Majors[0].Code }, cancellationToken: cancellationToken)) > 0) return;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var major in Majors) await courses.InsertMajorAsync(connection, transaction, major, cancellationToken);
        foreach (var course in Courses) await courses.CreateAsync(connection, transaction, course, cancellationToken);
        foreach (var rule in Rules) await rules.CreateAsync(connection, transaction, rule, cancellationToken);

        string[] studyMajors = ["460301", "510203", "460304", "510302", "660301", "260604"];
        var learners = SampleVocabulary.LearnerIds.Take(49).ToArray();
        for (var i = 0; i < learners.Length; i++)
        {
            var major = i < 40 ? studyMajors[i % studyMajors.Length] : Tourism;
            // Professional courses first (they carry the skills), then public ones.
            var taken = Courses.Where(c => c.MajorCodes.Contains(major)).OrderBy(c => c.Category == CourseCategory.Public ? 1 : 0).Take(6 + i % 5).ToArray();
            for (var j = 0; j < taken.Length; j++)
            {
                var term = j < 3 ? "2024-2025-1" : j < 6 ? "2024-2025-2" : "2025-2026-1";
                var enrollment = await enrollments.EnrollAsync(connection, transaction, learners[i], taken[j].Code, term, cancellationToken);
                // The current term is not graded yet; every sixth learner's second-term grades are missing too.
                if (term == "2025-2026-1" || (i % 6 == 5 && j >= 3)) continue;
                var score = Score(i, j);
                await enrollments.RecordGradeAsync(connection, transaction, enrollment.Id, score, score >= 60, Etags.Parse(enrollment.Etag), cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Deterministic scores: every fifth learner strong (86–98), every seventh failing (38–57), the rest 58–92.</summary>
    private static double Score(int learner, int course) => learner switch
    {
        _ when learner % 5 == 0 => 86 + (learner * 7 + course * 5) % 13,
        _ when learner % 7 == 3 => 38 + (learner * 3 + course * 11) % 20,
        _ => 58 + (learner * 13 + course * 17) % 35,
    };

    private static List<CreditRule> BuildRules()
    {
        var list = new List<CreditRule>
        {
            Cert("510302", "1X-NET", CertificateLevel.XJunior, ["RJ-103"], "1+X 网络系统建设与运维(初级) 替代 Linux操作系统"),
            Cert("510302", "1X-NET", CertificateLevel.XIntermediate, ["WL-201", "WL-202"], "1+X 网络系统建设与运维(中级) 替代专业核心课"),
            Cert("510203", "1X-AICOMP", CertificateLevel.XJunior, ["RJ-302"], "1+X 智能计算平台应用开发(初级) 替代机器学习基础"),
            Cert("510203", "1X-AICOMP", CertificateLevel.XIntermediate, ["RJ-301"], "1+X 智能计算平台应用开发(中级) 替代人工智能应用开发"),
            Cert("460304", "MOHRSS-IR-OPS", CertificateLevel.National4, ["JQ-201"], "工业机器人系统操作员(四级) 替代工业机器人操作与编程"),
            Cert("460304", "MOHRSS-IR-OPS", CertificateLevel.National3, ["JQ-202", "JQ-203"], "工业机器人系统操作员(三级) 替代维护保养与系统集成"),
            Cert("460301", "MOHRSS-ELEC", CertificateLevel.National5, ["JD-102"], "电工(五级) 替代电工电子技术"),
            Cert("460301", "MOHRSS-ELEC", CertificateLevel.National4, ["JD-202", "JD-102"], "电工(四级) 替代电机与电气控制"),
            Cert("660301", "MOHRSS-ELEC", CertificateLevel.National5, ["JD-102"], "电工(五级) 替代电工电子技术"),
            Cert("260604", "1X-BIM", CertificateLevel.XJunior, ["WR-203"], "1+X BIM(初级) 替代BIM建模基础"),
            Elective("", "1X-BIM", CertificateLevel.XJunior, 2, "1+X BIM(初级) 计选修学分"),
            Elective("", "1X-AUTO", CertificateLevel.XJunior, 2, "1+X 汽车运用与维修(初级) 计选修学分"),
            Elective("460301", "1X-AUTO", CertificateLevel.XIntermediate, 4, "1+X 汽车运用与维修(中级) 计选修学分"),
        };
        (CompetitionTier Tier, bool Team, double[] Credits)[] matrix =
        [
            (CompetitionTier.National, false, [4, 3, 2]),
            (CompetitionTier.National, true, [3, 2, 1]),
            (CompetitionTier.Provincial, false, [3, 2, 1]),
            (CompetitionTier.Provincial, true, [2, 1.5, 1]),
        ];
        AwardGrade[] awards = [AwardGrade.FirstPrize, AwardGrade.SecondPrize, AwardGrade.ThirdPrize];
        foreach (var (tier, team, credits) in matrix)
        {
            for (var k = 0; k < awards.Length; k++)
            {
                list.Add(new CreditRule
                {
                    Competition = new CompetitionSource { Tier = tier, AwardGrade = awards[k], Team = team },
                    ElectiveCredits = credits[k],
                    Description = $"技能大赛 {tier} {(team ? "团体" : "个人")} {awards[k]} 计 {credits[k]} 学分",
                });
            }
        }
        return list;
    }

    private static CreditRule Cert(string major, string type, CertificateLevel level, string[] coursesExempted, string description) => new()
    {
        MajorCode = major,
        Certificate = new CertificateSource { TypeCode = type, Level = level },
        Exemption = new CourseExemption { CourseCodes = { coursesExempted }, ExemptGrade = 90 },
        Description = description,
    };

    private static CreditRule Elective(string major, string type, CertificateLevel level, double credits, string description) => new()
    {
        MajorCode = major,
        Certificate = new CertificateSource { TypeCode = type, Level = level },
        ElectiveCredits = credits,
        Description = description,
    };

    private static Major Major(string code, string name, string validFrom, string previous, double professionalCredits) => new()
    {
        Code = code,
        Name = name,
        ValidFrom = DateOnly.ParseExact(validFrom, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).ToProtoDate(),
        PreviousCode = previous,
        ProfessionalCredits = professionalCredits,
    };

    /// <summary>
    /// The school that teaches every sample course: 重庆工业职业技术学院, the <c>org</c> of the development identity
    /// provider's institution client <c>institution-cqipc</c>, so that client may enrol learners and record grades.
    /// </summary>
    public const string SampleSchool = "125000002166DHX7JT";

    private static Course C(string code, string name, double credits, int hours, CourseCategory category, string majors, params (string Skill, SkillLevel Level)[] outcomes) => new()
    {
        Code = code,
        Name = name,
        Credits = credits,
        Hours = hours,
        Category = category,
        PassMark = 60,
        OwnerCreditCode = SampleSchool,
        MajorCodes = { majors.Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct().Order(StringComparer.Ordinal) },
        SkillOutcomes = { outcomes.Select(o => new SkillRef { SkillCode = o.Skill, Level = o.Level }) },
    };
}
