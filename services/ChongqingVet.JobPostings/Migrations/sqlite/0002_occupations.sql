-- Reference list of occupations (职业分类大典 2022) used by the sample vocabulary. DOMAIN.md names 2-02-10-09,
-- 2-02-38-10, 4-04-05-05, 6-31-01-03 and 6-30-99-00 (a 2015-era placeholder); the other rows are sample entries
-- (verify names and flags against the official text before relying on them). allowed_levels holds SkillLevel numbers.
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('2-02-10-09', '人工智能工程技术人员', 1, 0, '');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('2-02-38-10', '机器人工程技术人员', 1, 0, '');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('4-01-02-00', '销售人员', 0, 0, '1,2,3');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('4-04-04-02', '信息通信网络运行管理员', 1, 0, '1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('4-04-05-05', '人工智能训练师', 1, 0, '1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('4-12-01-01', '汽车维修工', 0, 0, '1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('4-99-00-00', '其他社会生产和生活服务人员', 0, 0, '');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('6-01-02-00', '粮油加工人员', 0, 0, '1,2,3');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('6-12-01-00', '化学药品原料药制造人员', 0, 0, '1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('6-18-01-01', '车工', 0, 0, '1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('6-18-02-04', '焊工', 0, 0, '1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('6-25-04-07', '电子产品制版工', 1, 0, '1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('6-28-01-00', '电力、热力生产和供应人员', 0, 1, '1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('6-30-99-00', '工业机器人系统操作员', 1, 0, '2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES ('6-31-01-03', '电工', 0, 0, '1,2,3,4,5');
