// The learner page: calls the gateway's REST API (JSON transcoding) and draws the profile with SVG. No framework.
"use strict";

// One label table for every enum value the page shows: [中文, English], keyed by the proto enum name that JSON
// transcoding writes. Free text composed by the services may carry the C# names of some values (e.g. "1X-NET
// XIntermediate", "E01 SecondPrize"); relabel() turns those into the same labels.
const LABELS = {
  SKILL_LEVEL_UNSPECIFIED: ["无", "none"],
  SKILL_LEVEL_5_BEGINNER: ["五级/初级工", "level 5"],
  SKILL_LEVEL_4_INTERMEDIATE: ["四级/中级工", "level 4"],
  SKILL_LEVEL_3_ADVANCED: ["三级/高级工", "level 3"],
  SKILL_LEVEL_2_TECHNICIAN: ["二级/技师", "level 2"],
  SKILL_LEVEL_1_SENIOR_TECHNICIAN: ["一级/高级技师", "level 1"],
  CERTIFICATE_LEVEL_X_JUNIOR: ["初级", "Junior"],
  CERTIFICATE_LEVEL_X_INTERMEDIATE: ["中级", "Intermediate"],
  CERTIFICATE_LEVEL_X_SENIOR: ["高级", "Senior"],
  CERTIFICATE_LEVEL_NATIONAL_5: ["五级/初级工", "Level 5"],
  CERTIFICATE_LEVEL_NATIONAL_4: ["四级/中级工", "Level 4"],
  CERTIFICATE_LEVEL_NATIONAL_3: ["三级/高级工", "Level 3"],
  CERTIFICATE_LEVEL_NATIONAL_2: ["二级/技师", "Level 2"],
  CERTIFICATE_LEVEL_NATIONAL_1: ["一级/高级技师", "Level 1"],
  CERTIFICATE_STATUS_ACTIVE: ["有效", "active"],
  CERTIFICATE_STATUS_REVOKED: ["已撤销", "revoked"],
  CERTIFICATE_STATUS_EXPIRED: ["已过期", "expired"],
  AWARD_GRADE_FIRST_PRIZE: ["一等奖", "first prize"],
  AWARD_GRADE_SECOND_PRIZE: ["二等奖", "second prize"],
  AWARD_GRADE_THIRD_PRIZE: ["三等奖", "third prize"],
  AWARD_GRADE_GOLD: ["金奖", "gold"],
  AWARD_GRADE_SILVER: ["银奖", "silver"],
  AWARD_GRADE_BRONZE: ["铜奖", "bronze"],
  AWARD_GRADE_WORLDSKILLS_GOLD: ["世界技能大赛金牌", "WorldSkills gold"],
  AWARD_GRADE_WORLDSKILLS_SILVER: ["世界技能大赛银牌", "WorldSkills silver"],
  AWARD_GRADE_WORLDSKILLS_BRONZE: ["世界技能大赛铜牌", "WorldSkills bronze"],
  AWARD_GRADE_MEDALLION_FOR_EXCELLENCE: ["优胜奖", "Medallion for Excellence"],
  AWARD_GRADE_PARTICIPATION: ["参赛", "participation"],
  COMPETITION_TIER_WORLD: ["世界级", "world"],
  COMPETITION_TIER_NATIONAL: ["国家级", "national"],
  COMPETITION_TIER_PROVINCIAL: ["省（市）级", "provincial"],
  COMPETITION_TIER_CROSS_REGIONAL: ["跨区域", "cross-regional"],
  COMPETITION_TIER_DISTRICT: ["区县级", "district"],
  COMPETITION_TIER_SCHOOL: ["校级", "school"],
  ENROLLMENT_STATUS_ENROLLED: ["在读", "enrolled"],
  ENROLLMENT_STATUS_PASSED: ["通过", "passed"],
  ENROLLMENT_STATUS_FAILED: ["未通过", "failed"],
  ENROLLMENT_STATUS_EXEMPTED: ["免修", "exempted"],
  EVIDENCE_SOURCE_KIND_CERTIFICATE: ["证书", "certificate"],
  EVIDENCE_SOURCE_KIND_COMPETITION: ["竞赛", "competition"],
  EVIDENCE_SOURCE_KIND_COURSE: ["课程", "course"],
  EVIDENCE_SOURCE_KIND_PLACEMENT: ["岗位实习", "placement"],
};
const label = (name) => (LABELS[name] ? `${LABELS[name][0]} ${LABELS[name][1]}` : name ? "—" : "");
const labelZh = (name) => (LABELS[name] ? LABELS[name][0] : name ? "—" : "");
// The C# names (protoc's PascalCase) of the values that services write into free text: certificate levels and award grades.
const PASCAL = Object.fromEntries(Object.keys(LABELS)
  .filter((name) => /^(CERTIFICATE_LEVEL|AWARD_GRADE)_/.test(name))
  .map((name) => [name.replace(/^(CERTIFICATE_LEVEL|AWARD_GRADE)_/, "").split("_").map((w) => w[0] + w.slice(1).toLowerCase()).join(""), name]));
const relabel = (text) => String(text ?? "")
  .replace(/\b(SKILL_LEVEL|CERTIFICATE_LEVEL|CERTIFICATE_STATUS|AWARD_GRADE|COMPETITION_TIER|ENROLLMENT_STATUS|EVIDENCE_SOURCE_KIND)_[A-Z0-9_]+\b/g, (name) => label(name))
  .replace(new RegExp(`\\b(${Object.keys(PASCAL).join("|")})\\b`, "g"), (name) => label(PASCAL[name]));
const LEVEL_VALUES = { SKILL_LEVEL_5_BEGINNER: 1, SKILL_LEVEL_4_INTERMEDIATE: 2, SKILL_LEVEL_3_ADVANCED: 3, SKILL_LEVEL_2_TECHNICIAN: 4, SKILL_LEVEL_1_SENIOR_TECHNICIAN: 5 };
const SECTIONS = { certificates: "证书 certificates", competitions: "竞赛 competitions", courses: "课程 courses", jobpostings: "岗位 job postings" };

const $ = (id) => document.getElementById(id);
const level = (name) => [LEVEL_VALUES[name] || 0, labelZh(name || "SKILL_LEVEL_UNSPECIFIED")];
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
};

const formatDate = (d) => (d && d.year ? `${d.year}-${String(d.month || 1).padStart(2, "0")}-${String(d.day || 1).padStart(2, "0")}` : "");

// Sign-in: authorization code + PKCE at the identity provider; the access token lives in this tab only.
const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const tokenClaims = (token) => JSON.parse(decodeURIComponent(escape(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")))));
let webConfig;
const config = async () => (webConfig ??= await (await fetch("/web-config.json")).json());
const redirectUri = () => `${location.origin}/`;

async function signIn() {
  const { authority, clientId, scope } = await config();
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  // The view and learner in the URL come back after sign-in (the redirect URI itself is fixed).
  sessionStorage.setItem("pkce", JSON.stringify({ verifier, state, returnTo: location.hash }));
  location.assign(`${authority}connect/authorize?${new URLSearchParams({
    client_id: clientId, response_type: "code", redirect_uri: redirectUri(), scope, state,
    code_challenge: challenge, code_challenge_method: "S256",
  })}`);
}

async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code")) return;
  const { verifier, state, returnTo } = JSON.parse(sessionStorage.getItem("pkce") || "{}");
  sessionStorage.removeItem("pkce");
  history.replaceState(null, "", `/${parseRoute(returnTo) ? returnTo : ""}`);
  if (!verifier || params.get("state") !== state) throw new Error("登录状态不匹配 Sign-in state mismatch; please sign in again.");
  const { authority, clientId } = await config();
  const response = await fetch(`${authority}connect/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "authorization_code", code: params.get("code"), redirect_uri: redirectUri(), client_id: clientId, code_verifier: verifier }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`登录失败 Sign-in failed: ${body.error_description || body.error || response.status}`);
  sessionStorage.setItem("access_token", body.access_token);
}

function showSignedIn() {
  const token = sessionStorage.getItem("access_token");
  const learner = token ? tokenClaims(token).sub : null;
  $("signed-in").textContent = learner ? `已登录 Signed in: ${learner}` : "未登录 Not signed in";
  $("sign-in").hidden = Boolean(learner);
  $("sign-out").hidden = !learner;
  if (learner) $("learner").value = learner;
  return learner;
}

async function api(path) {
  const token = sessionStorage.getItem("access_token");
  const headers = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const violations = (body.details || []).flatMap((d) => d.fieldViolations || []);
    const detail = violations.length ? violations.map((v) => `${v.field}: ${v.description}`).join("；") : body.message || response.statusText;
    throw Object.assign(new Error(`请求失败 (${response.status})：${detail}`), { status: response.status });
  }
  return body;
}

function showUnreachable(lists) {
  const missing = [...new Set(lists.flat())];
  const box = $("unreachable");
  box.hidden = missing.length === 0;
  box.textContent = missing.length ? `部分数据暂不可用 Some sections are unavailable: ${missing.map((m) => SECTIONS[m] || m).join("、")}` : "";
}

function drawSkills(skills) {
  const chart = $("skills-chart");
  chart.replaceChildren();
  if (!skills.length) {
    chart.append(el("p", {}, "暂无技能证据 No skill evidence yet."));
    return;
  }
  const rowHeight = 24, labelWidth = 190, barWidth = 260;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", labelWidth + barWidth + 120);
  svg.setAttribute("height", skills.length * rowHeight + 10);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "技能等级图 skill levels");
  skills.forEach((skill, i) => {
    const [value, name] = level(skill.level);
    const g = document.createElementNS(svg.namespaceURI, "g");
    g.setAttribute("class", "skill-row");
    g.setAttribute("data-skill", skill.skillCode);
    g.innerHTML =
      `<rect class="bg" x="0" y="${i * rowHeight}" width="${labelWidth + barWidth + 120}" height="${rowHeight}" fill="transparent"></rect>` +
      `<text x="0" y="${i * rowHeight + 16}"></text>` +
      `<rect x="${labelWidth}" y="${i * rowHeight + 4}" width="${(barWidth * value) / 5}" height="16" fill="#0b4f8a" fill-opacity="${0.25 + 0.75 * (skill.confidence || 0)}"></rect>` +
      `<text x="${labelWidth + (barWidth * value) / 5 + 6}" y="${i * rowHeight + 16}"></text>`;
    const texts = g.querySelectorAll("text");
    texts[0].textContent = `${skill.skillName} (${skill.skillCode})`;
    texts[1].textContent = `${name} · ${Math.round((skill.confidence || 0) * 100)}%`;
    g.addEventListener("click", () => showEvidence(skill));
    svg.append(g);
  });
  chart.append(svg);
}

function showEvidence(skill) {
  const box = $("evidence");
  box.hidden = false;
  const rows = (skill.evidence || []).map((e) =>
    el("tr", {}, el("td", {}, label(e.sourceKind)), el("td", {}, relabel(e.title)), el("td", {}, e.issuer || ""),
      el("td", {}, level(e.level)[1]), el("td", {}, (e.weight ?? 0).toFixed(2))));
  box.replaceChildren(
    el("h3", {}, `证据 Evidence: ${skill.skillName}`),
    el("p", { class: "hint" }, skill.explanation || ""),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "来源"), el("th", {}, "名称"), el("th", {}, "颁发/组织"), el("th", {}, "等级"), el("th", {}, "权重"))),
      el("tbody", {}, ...rows)));
}

// One row per certificate; an active one offers its signed credential (fetched through the gateway with the
// signed-in token: a learner's own route) as a .jwt file.
function drawCertificates(learnerId, certificates) {
  const list = $("certificates");
  list.replaceChildren();
  if (!certificates.length) list.append(el("li", {}, "暂无证书 No certificates."));
  for (const certificate of certificates) {
    const date = formatDate(certificate.issueDate);
    const item = el("li", { class: "certificate", "data-certificate": certificate.certificateNumber },
      el("strong", {}, certificate.typeCode), ` · ${label(certificate.level)} · ${certificate.certificateNumber} · ${date} · ${label(certificate.status)}`);
    if (certificate.status === "CERTIFICATE_STATUS_ACTIVE") {
      const button = el("button", { type: "button", class: "download-credential" }, "下载签名证书 Download signed certificate");
      button.addEventListener("click", () => downloadCredential(learnerId, certificate.certificateNumber, item));
      item.append(button);
    }
    list.append(item);
  }
}

async function downloadCredential(learnerId, number, item) {
  item.querySelector(".credential-error")?.remove();
  try {
    const credential = await api(`/v1/learners/${encodeURIComponent(learnerId)}/certificates/${encodeURIComponent(number)}/credential`);
    const url = URL.createObjectURL(new Blob([credential.jws], { type: "application/jwt" }));
    const link = el("a", { href: url, download: `${number}.jwt` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    item.append(el("span", { class: "error credential-error" }, ` ${error.message}`));
  }
}

function requirementList(items, cls) {
  return el("span", { class: cls }, items.map((r) => `${r.skillName}≥${level(r.requiredLevel)[1]}${r.essential ? "★" : ""}`).join("，") || "—");
}

function drawMatches(learnerId, matches) {
  const list = $("matches");
  list.replaceChildren();
  if (!matches.length) list.append(el("li", {}, "暂无匹配岗位 No open postings match."));
  for (const match of matches) {
    const button = el("button", { type: "button", "data-posting": match.postingId }, "查看差距 Gap");
    button.addEventListener("click", () => loadGap(learnerId, match.postingId));
    list.append(el("li", { class: "match" },
      el("strong", {}, match.title), ` · 匹配度 ${Math.round((match.score || 0) * 100)}%${match.hasUnmetEssential ? "（缺核心技能）" : ""} · ￥${match.salaryMin ?? 0}–${match.salaryMax ?? 0}`,
      button, el("br"), "已满足 met: ", requirementList(match.met || [], "met"), el("br"), "未满足 unmet: ", requirementList(match.unmet || [], "unmet")));
  }
}

async function loadGap(learnerId, postingId) {
  const section = $("gap-section");
  section.hidden = false;
  $("gap").replaceChildren(el("p", {}, "加载中 Loading…"));
  try {
    const report = await api(`/v1/learners/${encodeURIComponent(learnerId)}/skill-gaps/${encodeURIComponent(postingId)}`);
    $("gap-title").textContent = report.title;
    const gaps = (report.gaps || []).map((gap) => el("div", { class: "gap" },
      el("p", { class: gap.essential ? "essential" : "" }, `${gap.skillName} (${gap.skillCode})：现有 ${level(gap.currentLevel)[1]} → 需要 ${level(gap.requiredLevel)[1]}`),
      ...(gap.recommendations || []).map((r) => el("p", { class: "rec" }, `${r.rank}. ${relabel(r.title)} — ${relabel(r.reason)}`))));
    $("gap").replaceChildren(...(gaps.length ? gaps : [el("p", {}, "已满足全部要求 Every requirement is met.")]));
    showUnreachable([report.unreachable || []]);
  } catch (error) {
    $("gap").replaceChildren(el("p", { class: "error" }, error.message));
  }
}

function drawTranscript(transcript) {
  const rows = (transcript.courses || []).map((c) => el("tr", {}, el("td", {}, c.courseName), el("td", {}, c.term), el("td", {}, String(c.credits ?? 0)),
    el("td", {}, c.score ? String(c.score) : "—"), el("td", {}, c.passed ? label("ENROLLMENT_STATUS_PASSED") : label(c.status) || "—")));
  const recognised = (transcript.recognised || []).map((r) => el("li", {}, `${relabel(r.achievementTitle)} → ${r.courseCode || "选修学分"} ${r.credits} 学分${r.grade ? `（记 ${r.grade} 分）` : ""}`));
  $("transcript").replaceChildren(
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "课程"), el("th", {}, "学期"), el("th", {}, "学分"), el("th", {}, "成绩"), el("th", {}, "状态"))), el("tbody", {}, ...rows)),
    el("p", {}, `已获学分 Earned: ${transcript.earnedCredits ?? 0} · 认定学分 Recognised: ${transcript.recognisedCredits ?? 0}`),
    el("ul", {}, ...recognised));
}

let generation = 0; // a newer query wins over an older one still in flight

async function loadProfile(learnerId) {
  const current = ++generation;
  const major = $("major").value.trim();
  $("status").className = "";
  $("status").textContent = "加载中 Loading…";
  $("gap-section").hidden = true;
  $("evidence").hidden = true;
  try {
    const [profile, matches] = await Promise.all([
      api(`/v1/learners/${encodeURIComponent(learnerId)}/profile`),
      api(`/v1/learners/${encodeURIComponent(learnerId)}/job-matches?page_size=10`).catch((error) => ({ matches: [], error })),
    ]);
    if (current !== generation) return;
    drawSkills(profile.skills || []);
    drawCertificates(learnerId, profile.certificates || []);
    drawMatches(learnerId, matches.matches || []);
    const unreachable = [profile.unreachable || [], matches.unreachable || []];
    try {
      drawTranscript(await api(`/v1/learners/${encodeURIComponent(learnerId)}/transcript?major_code=${encodeURIComponent(major)}`));
    } catch (error) {
      $("transcript").replaceChildren(el("p", { class: "error" }, error.message));
    }
    showUnreachable(unreachable);
    $("status").textContent = matches.error ? `已加载 ${learnerId}；岗位匹配不可用：${matches.error.message}` : `已加载 ${learnerId} Loaded.`;
  } catch (error) {
    if (current !== generation) return;
    $("status").className = "error";
    $("status").textContent = error.message;
  }
}

// ---- The insights view: the city's indicators (GET /v1/insights/…, scope insights.read) as inline SVG bar charts.
const SVG_NS = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs = {}, text) => {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
};
const num = (value) => Number(value ?? 0); // int64 fields arrive as strings, zero fields not at all
const fmt = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
const pct = (value) => `${(num(value) * 100).toFixed(1)}%`;
const windowText = (w) => `${formatDate(w?.startDate) || "—"} 至 ${formatDate(w?.endDate) || "—"}`;

function definitionBlock(report, counts) {
  return el("div", { class: "definition" },
    el("p", { class: "def" }, report.definition || ""),
    el("p", { class: "window" }, `数据窗口 Data window: ${windowText(report.window)}`),
    el("p", { class: "counts" }, counts),
    ...(report.derivation ? [el("p", { class: "hint" }, `推导 Derivation: ${report.derivation}`)] : []));
}

// Supply vs demand by group (cluster, district): the service answers one row per group and skill; the chart sums them
// per group — Σ supply (learner·skill holdings) and Σ demand (weighted headcount) on one scale — and shows the group's
// gap index over those sums, (Σ demand − Σ supply) / max(Σ demand, 1). The largest single-skill shortages follow in text.
// A row whose supply the service withheld (supplySuppressed: fewer learners than its minimum cell size) adds nothing to
// Σ supply: the group then says how many rows are "数据不足 too few to show", and its Σ supply is a lower bound (≥) and
// its gap index an upper bound (≤).
const TOO_FEW = "数据不足 too few to show";
function groupGaps(gaps) {
  const groups = new Map();
  for (const gap of gaps) {
    const group = groups.get(gap.key || "") ?? { key: gap.key || "", supply: 0, demand: 0, openPostings: 0, skills: 0, withheld: 0 };
    group.supply += gap.supplySuppressed ? 0 : num(gap.supply);
    group.demand += num(gap.demand);
    group.openPostings += num(gap.openPostings);
    group.skills += 1;
    group.withheld += gap.supplySuppressed ? 1 : 0;
    groups.set(group.key, group);
  }
  return [...groups.values()].map((g) => ({ ...g, gapIndex: (g.demand - g.supply) / Math.max(g.demand, 1) }));
}

function drawSupplyDemand(target, report) {
  const gaps = report.gaps || [];
  const groups = groupGaps(gaps);
  const rowHeight = 30, labelWidth = 230, barWidth = 320, textWidth = 260;
  const max = Math.max(1, ...groups.map((g) => Math.max(g.supply, g.demand)));
  const svg = svgEl("svg", { width: labelWidth + barWidth + textWidth, height: groups.length * rowHeight + 28, role: "img", "aria-label": "供需图 supply and demand", class: "chart" });
  svg.append(svgEl("rect", { x: labelWidth, y: 4, width: 12, height: 10, class: "legend supply-legend" }), svgEl("text", { x: labelWidth + 16, y: 13 }, "Σ 供给 supply（学习者·技能）"),
    svgEl("rect", { x: labelWidth + 220, y: 4, width: 12, height: 10, class: "legend demand-legend" }), svgEl("text", { x: labelWidth + 236, y: 13 }, "Σ 需求 demand（岗位人数×权重）"));
  groups.forEach((group, i) => {
    const y = 24 + i * rowHeight;
    const g = svgEl("g", { class: "gap-row", "data-key": group.key });
    g.append(
      svgEl("text", { x: 0, y: y + 17 }, `${group.key || "未归组 no group (key \"\")"}（${group.skills} 技能）`),
      svgEl("rect", { class: "bar supply", x: labelWidth, y: y + 3, width: (barWidth * group.supply) / max, height: 11 }),
      svgEl("rect", { class: "bar demand", x: labelWidth, y: y + 15, width: (barWidth * group.demand) / max, height: 11 }),
      svgEl("text", { x: labelWidth + barWidth + 6, y: y + 17, class: group.gapIndex > 0 ? "shortage" : "surplus" },
        group.withheld
          ? `${group.supply} / ${fmt(group.demand)} · 缺口指数 gap ≤ ${group.gapIndex >= 0 ? "+" : ""}${group.gapIndex.toFixed(2)} · ${TOO_FEW}（${group.withheld}/${group.skills} 行 rows）`
          : `${group.supply} / ${fmt(group.demand)} · 缺口指数 gap ${group.gapIndex >= 0 ? "+" : ""}${group.gapIndex.toFixed(2)}`));
    svg.append(g);
  });
  const shortages = (report.topShortages || []).slice(0, 5).map((g) => `${g.key || "全市"}·${g.skillCode} ${num(g.gapIndex).toFixed(2)}（${num(g.supply)}/${fmt(num(g.demand))}）`).join("，");
  target.replaceChildren(groups.length ? svg : el("p", {}, "暂无数据 No figures yet."),
    definitionBlock(report, `计数 Counts: ${groups.length} 组 groups，${gaps.length} 行（组×技能）rows; Σ 供给 supply ${groups.reduce((s, g) => s + g.supply, 0)}; ` +
      withheldText(report, gaps.filter((g) => g.supplySuppressed).length) +
      `Σ 需求 demand ${fmt(groups.reduce((s, g) => s + g.demand, 0))}; 在招岗位 open postings（按行计）${groups.reduce((s, g) => s + g.openPostings, 0)}; 等级门槛 level ≥ ${labelZh(report.minLevel || "SKILL_LEVEL_5_BEGINNER")}` +
      (shortages ? `; 最大缺口 top shortages (gap, supply/demand): ${shortages}` : "")));
}

// Small-group privacy: what the counts line says about withheld figures (the service's minimum cell size k).
function withheldText(report, withheld) {
  return withheld ? `${withheld} 项${TOO_FEW}（少于 k = ${report.minimumCellSize || "?"} 人的组不公布 groups under k are withheld）; ` : "";
}

// A share-type indicator: one bar per figure (major, major and school year, …) with its percentage and counts. A figure
// the service withheld (suppressed: too few individuals) keeps its row and an empty bar, and says "数据不足 too few to show".
function drawIndicator(target, report) {
  const figures = report.figures || [];
  const rowHeight = 24, labelWidth = 250, barWidth = 170, textWidth = 140;
  const svg = svgEl("svg", { width: labelWidth + barWidth + textWidth, height: figures.length * rowHeight + 6, role: "img", "aria-label": "指标图 indicator", class: "chart" });
  figures.forEach((figure, i) => {
    const y = i * rowHeight, value = num(figure.value);
    const g = svgEl("g", { class: figure.suppressed ? "figure-row suppressed" : "figure-row", "data-key": figure.key || "" });
    g.append(
      svgEl("text", { x: 0, y: y + 16 }, figure.label && figure.label !== figure.key ? `${figure.label} (${figure.key.split("/")[0]})` : figure.key || "全市 city"),
      svgEl("rect", { class: "track", x: labelWidth, y: y + 4, width: barWidth, height: 14 }),
      svgEl("rect", { class: "bar share", x: labelWidth, y: y + 4, width: figure.suppressed ? 0 : barWidth * Math.min(1, value), height: 14 }),
      svgEl("text", { x: labelWidth + barWidth + 6, y: y + 16, class: figure.suppressed ? "too-few" : "" },
        figure.suppressed ? TOO_FEW : `${pct(value)} (${fmt(num(figure.numerator))}/${fmt(num(figure.denominator))})`));
    svg.append(g);
  });
  const total = report.total || {};
  target.replaceChildren(figures.length ? svg : el("p", {}, "暂无数据 No figures yet."),
    definitionBlock(report, (total.suppressed ? `全市 City: ${TOO_FEW}; ` : `全市 City: ${pct(total.value)} = ${fmt(num(total.numerator))} / ${fmt(num(total.denominator))}（分子/分母 numerator/denominator）; `) +
      withheldText(report, figures.filter((f) => f.suppressed).length) + `${figures.length} 组 groups`));
}

const INSIGHTS = [
  ["chart-supply-cluster", "/v1/insights/skill-supply-demand?dimension=DIMENSION_CLUSTER", drawSupplyDemand],
  ["chart-supply-district", "/v1/insights/skill-supply-demand?dimension=DIMENSION_DISTRICT", drawSupplyDemand],
  ["chart-programme-match", "/v1/insights/programme-industry-match", drawIndicator],
  ["chart-employment-relevance", "/v1/insights/employment-relevance", drawIndicator],
  ["chart-local-retention", "/v1/insights/local-retention", drawIndicator],
];

async function loadInsights() {
  const current = ++generation;
  const view = $("insights-view");
  view.dataset.state = "loading";
  $("status").className = "";
  $("status").textContent = "加载中 Loading…";
  const results = await Promise.allSettled(INSIGHTS.map(([, path]) => api(path)));
  if (current !== generation) return;
  let refused = false, failed = false;
  results.forEach((result, i) => {
    const [id, , draw] = INSIGHTS[i];
    if (result.status === "fulfilled") return draw($(id), result.value);
    const forbidden = result.reason.status === 401 || result.reason.status === 403;
    refused ||= forbidden;
    failed = true;
    $(id).replaceChildren(el("p", { class: "error" }, forbidden
      ? "需要 insights.read 权限：此登录无权查看城市指标。This view needs the insights.read scope, which this sign-in does not carry."
      : result.reason.message));
  });
  view.dataset.state = failed ? "failed" : "loaded";
  $("status").className = failed ? "error" : "";
  $("status").textContent = refused ? "城市指标需要 insights.read 权限 Insights need the insights.read scope."
    : failed ? "部分指标不可用 Some indicators are unavailable." : "已加载城市指标 Insights loaded (aggregates only, no personal data).";
}

// ---- The URL holds the learner and the view: #/learner/L0002/profile or #/learner/L0002/insights (back/forward work).
const VIEWS = ["profile", "insights"];
function parseRoute(hash = location.hash) {
  const match = /^#\/learner\/([^/?#]+)(?:\/([a-z]+))?\/?$/.exec(hash || "");
  if (!match) return null;
  return { learner: decodeURIComponent(match[1]), view: VIEWS.includes(match[2]) ? match[2] : "profile" };
}
const routeHash = (learner, view) => `#/learner/${encodeURIComponent(learner)}/${view}`;
function navigate(learner, view) {
  const hash = routeHash(learner, view);
  if (location.hash === hash) render(); else location.hash = hash; // a new history entry; hashchange renders
}

function render() {
  const route = parseRoute() || { learner: $("learner").value.trim(), view: "profile" };
  $("learner").value = route.learner;
  for (const view of VIEWS) {
    const tab = $(`tab-${view}`);
    tab.href = routeHash(route.learner, view);
    if (view === route.view) tab.setAttribute("aria-current", "page"); else tab.removeAttribute("aria-current");
    $(`${view}-view`).hidden = view !== route.view;
  }
  if (!sessionStorage.getItem("access_token")) {
    $("status").className = "";
    $("status").textContent = "请先登录 Please sign in to see a profile or the insights.";
    return;
  }
  if (route.view === "insights") loadInsights(); else loadProfile(route.learner);
}

for (let i = 1; i <= 50; i++) $("learners").append(el("option", { value: `L${String(i).padStart(4, "0")}` }));
$("learner-form").addEventListener("submit", (event) => {
  event.preventDefault();
  navigate($("learner").value.trim(), parseRoute()?.view || "profile");
});
window.addEventListener("hashchange", render);
$("sign-in").addEventListener("click", () => signIn().catch((error) => { $("status").textContent = error.message; }));
$("sign-out").addEventListener("click", () => { sessionStorage.removeItem("access_token"); showSignedIn(); $("status").textContent = "已退出 Signed out."; });
completeSignIn()
  .then(() => {
    const learner = showSignedIn();
    if (learner && !parseRoute()) history.replaceState(null, "", routeHash(learner, "profile"));
    render();
  })
  .catch((error) => { showSignedIn(); $("status").className = "error"; $("status").textContent = error.message; });
