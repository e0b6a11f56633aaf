-- Reference list of occupations (职业分类大典 2022) used by the sample vocabulary. DOMAIN.md names 2-02-10-09,
-- 2-02-38-10, 4-04-05-05, 6-31-01-03 and 6-30-99-00 (a 2015-era placeholder); the other rows are sample entries
-- (verify names and flags against the official text before relying on them). allowed_levels holds SkillLevel numbers.
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'2-02-10-09', N'人工智能工程技术人员', 1, 0, N'');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'2-02-38-10', N'机器人工程技术人员', 1, 0, N'');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'4-01-02-00', N'销售人员', 0, 0, N'1,2,3');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'4-04-04-02', N'信息通信网络运行管理员', 1, 0, N'1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'4-04-05-05', N'人工智能训练师', 1, 0, N'1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'4-12-01-01', N'汽车维修工', 0, 0, N'1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'4-99-00-00', N'其他社会生产和生活服务人员', 0, 0, N'');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'6-01-02-00', N'粮油加工人员', 0, 0, N'1,2,3');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'6-12-01-00', N'化学药品原料药制造人员', 0, 0, N'1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'6-18-01-01', N'车工', 0, 0, N'1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'6-18-02-04', N'焊工', 0, 0, N'1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'6-25-04-07', N'电子产品制版工', 1, 0, N'1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'6-28-01-00', N'电力、热力生产和供应人员', 0, 1, N'1,2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'6-30-99-00', N'工业机器人系统操作员', 1, 0, N'2,3,4,5');
INSERT INTO occupations (code, name, digital, green, allowed_levels) VALUES (N'6-31-01-03', N'电工', 0, 0, N'1,2,3,4,5');
