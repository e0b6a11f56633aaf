namespace ChongqingVet.Domain.Samples;

/// <summary>
/// The sample skill vocabulary every service's sample data uses, so that certificates, courses, competition events
/// and postings speak of the same skills. Realistic for Chongqing's 33618 clusters; seeded only with SampleData:Enabled.
/// </summary>
public static class SampleVocabulary
{
    /// <summary>A sample skill: code, names, category, the 33618 cluster it serves and related 大典 occupation codes.</summary>
    public sealed record SampleSkill(string Code, string NameZh, string NameEn, string Category, string Cluster, string[] Occupations);

    public const string Automotive = "智能网联新能源汽车";
    public const string Electronics = "新一代电子信息制造业";
    public const string Materials = "先进材料";
    public const string SmartManufacturing = "智能装备及智能制造";
    public const string Food = "食品及农产品加工";
    public const string Software = "软件信息服务";
    public const string BioMedicine = "生物医药";
    public const string NewEnergy = "新能源及新型储能";

    /// <summary>Culture and tourism: a cluster the city develops that is not one of the 33618 key manufacturing clusters
    /// (the sample's one major outside them, 540101 旅游管理, makes the programme–industry match fall below 100 %).</summary>
    public const string CultureTourism = "文化旅游";

    private static readonly string[] RobotOccupations = ["6-30-99-00", "2-02-38-10"];
    private static readonly string[] ElectricianOccupations = ["6-31-01-03"];
    private static readonly string[] AiOccupations = ["2-02-10-09", "4-04-05-05"];

    public static IReadOnlyList<SampleSkill> Skills { get; } = Build();

    private static List<SampleSkill> Build()
    {
        var skills = new List<SampleSkill>();
        void Add(string cluster, string category, string[] occupations, params (string Code, string Zh, string En)[] items)
        {
            foreach (var (code, zh, en) in items) skills.Add(new SampleSkill(code, zh, en, category, cluster, occupations));
        }

        Add(SmartManufacturing, "工业机器人", RobotOccupations,
            ("IR-OPS", "工业机器人操作", "Industrial robot operation"),
            ("IR-PROG", "工业机器人编程", "Industrial robot programming"),
            ("IR-MAINT", "工业机器人维护保养", "Industrial robot maintenance"),
            ("IR-INTEG", "工业机器人系统集成", "Robot system integration"),
            ("IR-VISION", "机器视觉应用", "Machine vision application"),
            ("IR-OFFLINE", "离线编程与仿真", "Offline programming and simulation"),
            ("IR-CALIB", "机器人标定", "Robot calibration"),
            ("IR-SAFETY", "机器人安全防护", "Robot safety"));
        Add(SmartManufacturing, "电气自动化", ElectricianOccupations,
            ("PLC-PROG", "PLC编程", "PLC programming"),
            ("PLC-NET", "工业网络通信", "Industrial network communication"),
            ("HMI-CONF", "人机界面组态", "HMI configuration"),
            ("SERVO-DRV", "伺服驱动调试", "Servo drive commissioning"),
            ("ELEC-INST", "电气安装与接线", "Electrical installation and wiring"),
            ("ELEC-SAFE", "安全用电", "Electrical safety"),
            ("MOTOR-CTRL", "电机控制", "Motor control"),
            ("SENSOR-APP", "传感器应用", "Sensor application"),
            ("PNEU-HYD", "液压与气动", "Hydraulics and pneumatics"));
        Add(SmartManufacturing, "机械加工", ["6-18-01-01"],
            ("CNC-LATHE", "数控车削", "CNC turning"),
            ("CNC-MILL", "数控铣削", "CNC milling"),
            ("CAD-MECH", "机械制图与CAD", "Mechanical drawing and CAD"),
            ("CAM-PROG", "CAM编程", "CAM programming"),
            ("MEASURE", "精密测量", "Precision measurement"),
            ("FIXTURE", "夹具设计", "Fixture design"),
            ("ADD-MFG", "增材制造", "Additive manufacturing"),
            ("MES-OPS", "制造执行系统应用", "MES operation"),
            ("DIGI-TWIN", "数字孪生应用", "Digital twin application"));
        Add(Automotive, "汽车维修", ["4-12-01-01"],
            ("AUTO-ENG", "发动机检修", "Engine repair"),
            ("AUTO-CHAS", "底盘检修", "Chassis repair"),
            ("AUTO-ELEC", "汽车电气检修", "Automotive electrical repair"),
            ("AUTO-DIAG", "汽车故障诊断", "Vehicle fault diagnosis"),
            ("EV-BATT", "动力电池检测与维护", "EV battery testing and maintenance"),
            ("EV-MOTOR", "驱动电机检修", "EV drive motor repair"),
            ("EV-HV-SAFE", "高压安全防护", "High-voltage safety"),
            ("ADAS-CAL", "智能驾驶辅助系统标定", "ADAS calibration"),
            ("ICV-SENSOR", "智能网联汽车传感器装调", "ICV sensor installation"),
            ("ICV-TEST", "智能网联汽车测试", "ICV testing"),
            ("AUTO-PAINT", "汽车涂装", "Automotive painting"),
            ("AUTO-BODY", "车身修复", "Body repair"),
            ("AUTO-SERV", "汽车维修接待", "Service advising"));
        Add(Electronics, "电子信息", ["6-25-04-07"],
            ("PCB-ASM", "电子产品装配", "Electronic assembly"),
            ("SMT-OPS", "SMT贴片工艺", "SMT process"),
            ("ELEC-TEST", "电子产品检测", "Electronic product testing"),
            ("EMB-DEV", "嵌入式开发", "Embedded development"),
            ("IOT-INST", "物联网设备安装调试", "IoT device installation"),
            ("IOT-APP", "物联网应用开发", "IoT application development"),
            ("DISP-TECH", "新型显示器件工艺", "Display device process"),
            ("CHIP-TEST", "集成电路测试", "IC testing"),
            ("SOLDER", "焊接与返修", "Soldering and rework"),
            ("DIGI-MAINT", "数字产品检测与维护", "Digital product testing and maintenance"));
        Add(Software, "软件开发", AiOccupations,
            ("JAVA-DEV", "Java程序设计", "Java programming"),
            ("PY-DEV", "Python程序设计", "Python programming"),
            ("WEB-FE", "Web前端开发", "Web front-end development"),
            ("DB-SQL", "数据库设计与SQL", "Database design and SQL"),
            ("MOBILE-DEV", "移动应用开发", "Mobile app development"),
            ("SW-TEST", "软件测试", "Software testing"),
            ("DEVOPS", "持续集成与部署", "CI/CD and DevOps"),
            ("CLOUD-OPS", "云计算平台运维", "Cloud platform operations"),
            ("BIG-DATA", "大数据处理", "Big data processing"),
            ("DATA-ANL", "数据分析与可视化", "Data analysis and visualisation"),
            ("AI-TRAIN", "人工智能训练", "AI data labelling and training"),
            ("AI-APP", "人工智能应用开发", "AI application development"),
            ("ML-MODEL", "机器学习建模", "Machine learning modelling"),
            ("AI-COMPUTE", "智能计算平台应用开发", "Intelligent computing platform development"));
        Add(Software, "网络与安全", ["4-04-04-02"],
            ("NET-BUILD", "网络系统建设与运维", "Network construction and operations"),
            ("NET-ROUTE", "路由与交换", "Routing and switching"),
            ("NET-SEC", "网络安全防护", "Network security"),
            ("SEC-PENT", "渗透测试", "Penetration testing"),
            ("LINUX-ADM", "Linux系统管理", "Linux administration"),
            ("WIN-ADM", "Windows服务器管理", "Windows server administration"),
            ("VIRT", "虚拟化技术", "Virtualisation"),
            ("5G-NET", "5G网络优化", "5G network optimisation"));
        Add(Materials, "材料与焊接", ["6-18-02-04"],
            ("WELD-ARC", "焊条电弧焊", "Shielded metal arc welding"),
            ("WELD-TIG", "钨极氩弧焊", "TIG welding"),
            ("WELD-ROBOT", "焊接机器人操作", "Welding robot operation"),
            ("MAT-TEST", "材料性能检测", "Materials testing"),
            ("ALLOY-PROC", "轻合金成型", "Light alloy forming"),
            ("HEAT-TREAT", "热处理", "Heat treatment"),
            ("NDT", "无损检测", "Non-destructive testing"));
        Add(Food, "食品加工", ["6-01-02-00"],
            ("FOOD-SAFE", "食品安全检测", "Food safety testing"),
            ("FOOD-PROC", "食品加工工艺", "Food processing"),
            ("HOTPOT-BASE", "火锅底料制作", "Hotpot base production"),
            ("COLD-CHAIN", "冷链物流管理", "Cold-chain logistics"),
            ("AGRI-ECOM", "农产品电商运营", "Agricultural e-commerce"),
            ("QA-HACCP", "HACCP质量管理", "HACCP quality management"));
        Add(BioMedicine, "生物医药", ["6-12-01-00"],
            ("PHARM-PROD", "药物制剂生产", "Pharmaceutical production"),
            ("GMP", "GMP规范操作", "GMP compliance"),
            ("BIO-LAB", "生物检验技术", "Biological laboratory testing"),
            ("MED-DEVICE", "医疗器械维护", "Medical device maintenance"),
            ("CHEM-ANAL", "化学分析", "Chemical analysis"));
        Add(NewEnergy, "新能源", ["6-28-01-00"],
            ("PV-INST", "光伏系统安装", "PV system installation"),
            ("PV-OPS", "光伏电站运维", "PV plant operations"),
            ("ESS-OPS", "储能系统运维", "Energy storage operations"),
            ("CHARGE-INST", "充电桩安装与维护", "EV charger installation"),
            ("BATT-MFG", "锂电池生产工艺", "Lithium battery manufacturing"),
            ("GRID-OPS", "配电运行维护", "Distribution grid operations"));
        Add(Software, "数字商贸", ["4-01-02-00"],
            ("ECOM-OPS", "电子商务运营", "E-commerce operations"),
            ("LIVE-COMM", "直播电商", "Live-stream commerce"),
            ("DIGI-MKT", "数字营销", "Digital marketing"),
            ("LOGI-MGMT", "智慧物流管理", "Smart logistics management"),
            ("FIN-SHARE", "财务共享服务", "Shared financial services"),
            ("BIM-MODEL", "建筑信息模型(BIM)", "Building information modelling"),
            ("SURVEY-UAV", "无人机测绘", "UAV surveying"),
            ("UAV-OPS", "无人机操控", "UAV piloting"));
        Add(CultureTourism, "旅游服务", ["4-07-04-01"],
            ("TOUR-GUIDE", "导游服务", "Tour guiding"),
            ("TOUR-PLAN", "旅游线路策划", "Tour itinerary planning"),
            ("HOTEL-SVC", "酒店前厅服务", "Hotel front-office service"));
        Add(SmartManufacturing, "通用能力", ["4-99-00-00"],
            ("SAFETY-PROD", "安全生产", "Occupational safety"),
            ("QUALITY-MGMT", "质量管理", "Quality management"),
            ("LEAN-PROD", "精益生产", "Lean production"),
            ("TEAM-COOP", "团队协作", "Teamwork"),
            ("TECH-ENG", "专业英语", "Technical English"),
            ("PROJ-MGMT", "项目管理", "Project management"));
        return skills;
    }

    /// <summary>Sample learner ids, L0001 … L0050; L0050 has no evidence anywhere.</summary>
    public static IReadOnlyList<string> LearnerIds { get; } = Enumerable.Range(1, 50).Select(i => $"L{i:D4}").ToArray();

    public const string LearnerWithNoEvidence = "L0050";
}
