// The learner page: calls the gateway's REST API (JSON transcoding) and draws the profile with SVG. No framework.
"use strict";

const LEVELS = {
  SKILL_LEVEL_UNSPECIFIED: [0, "无"],
  SKILL_LEVEL_5_BEGINNER: [1, "五级/初级工"],
  SKILL_LEVEL_4_INTERMEDIATE: [2, "四级/中级工"],
  SKILL_LEVEL_3_ADVANCED: [3, "三级/高级工"],
  SKILL_LEVEL_2_TECHNICIAN: [4, "二级/技师"],
  SKILL_LEVEL_1_SENIOR_TECHNICIAN: [5, "一级/高级技师"],
};
const SECTIONS = { certificates: "证书 certificates", competitions: "竞赛 competitions", courses: "课程 courses", jobpostings: "岗位 job postings" };
// Enrolment states as JSON transcoding writes them (enum names; an unset enum is left out of the JSON).
const ENROLLMENT_STATUSES = { ENROLLMENT_STATUS_ENROLLED: "在读", ENROLLMENT_STATUS_PASSED: "通过", ENROLLMENT_STATUS_FAILED: "未通过", ENROLLMENT_STATUS_EXEMPTED: "免修" };
const CERTIFICATE_LEVELS = {
  CERTIFICATE_LEVEL_X_JUNIOR: "初级", CERTIFICATE_LEVEL_X_INTERMEDIATE: "中级", CERTIFICATE_LEVEL_X_SENIOR: "高级",
  CERTIFICATE_LEVEL_NATIONAL_5: "五级/初级工", CERTIFICATE_LEVEL_NATIONAL_4: "四级/中级工", CERTIFICATE_LEVEL_NATIONAL_3: "三级/高级工",
  CERTIFICATE_LEVEL_NATIONAL_2: "二级/技师", CERTIFICATE_LEVEL_NATIONAL_1: "一级/高级技师",
};
const CERTIFICATE_STATUSES = { CERTIFICATE_STATUS_ACTIVE: "有效", CERTIFICATE_STATUS_REVOKED: "已撤销", CERTIFICATE_STATUS_EXPIRED: "已过期" };
const SOURCES = { EVIDENCE_SOURCE_KIND_CERTIFICATE: "证书", EVIDENCE_SOURCE_KIND_COMPETITION: "竞赛", EVIDENCE_SOURCE_KIND_COURSE: "课程", EVIDENCE_SOURCE_KIND_PLACEMENT: "岗位实习" };

const $ = (id) => document.getElementById(id);
const level = (name) => LEVELS[name] || LEVELS.SKILL_LEVEL_UNSPECIFIED;
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
};

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
  sessionStorage.setItem("pkce", JSON.stringify({ verifier, state }));
  location.assign(`${authority}connect/authorize?${new URLSearchParams({
    client_id: clientId, response_type: "code", redirect_uri: redirectUri(), scope, state,
    code_challenge: challenge, code_challenge_method: "S256",
  })}`);
}

async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code")) return;
  const { verifier, state } = JSON.parse(sessionStorage.getItem("pkce") || "{}");
  sessionStorage.removeItem("pkce");
  history.replaceState(null, "", "/");
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
    throw new Error(`请求失败 (${response.status})：${detail}`);
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
    el("tr", {}, el("td", {}, SOURCES[e.sourceKind] || e.sourceKind), el("td", {}, e.title || ""), el("td", {}, e.issuer || ""),
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
    const date = certificate.issueDate ? `${certificate.issueDate.year}-${String(certificate.issueDate.month).padStart(2, "0")}-${String(certificate.issueDate.day).padStart(2, "0")}` : "";
    const item = el("li", { class: "certificate", "data-certificate": certificate.certificateNumber },
      el("strong", {}, certificate.typeCode), ` · ${CERTIFICATE_LEVELS[certificate.level] || ""} · ${certificate.certificateNumber} · ${date} · ${CERTIFICATE_STATUSES[certificate.status] || ""}`);
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
      ...(gap.recommendations || []).map((r) => el("p", { class: "rec" }, `${r.rank}. ${r.title} — ${r.reason}`))));
    $("gap").replaceChildren(...(gaps.length ? gaps : [el("p", {}, "已满足全部要求 Every requirement is met.")]));
    showUnreachable([report.unreachable || []]);
  } catch (error) {
    $("gap").replaceChildren(el("p", { class: "error" }, error.message));
  }
}

function drawTranscript(transcript) {
  const rows = (transcript.courses || []).map((c) => el("tr", {}, el("td", {}, c.courseName), el("td", {}, c.term), el("td", {}, String(c.credits ?? 0)),
    el("td", {}, c.score ? String(c.score) : "—"), el("td", {}, c.passed ? "通过" : ENROLLMENT_STATUSES[c.status] || "—")));
  const recognised = (transcript.recognised || []).map((r) => el("li", {}, `${r.achievementTitle} → ${r.courseCode || "选修学分"} ${r.credits} 学分${r.grade ? `（记 ${r.grade} 分）` : ""}`));
  $("transcript").replaceChildren(
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "课程"), el("th", {}, "学期"), el("th", {}, "学分"), el("th", {}, "成绩"), el("th", {}, "状态"))), el("tbody", {}, ...rows)),
    el("p", {}, `已获学分 Earned: ${transcript.earnedCredits ?? 0} · 认定学分 Recognised: ${transcript.recognisedCredits ?? 0}`),
    el("ul", {}, ...recognised));
}

let generation = 0; // a newer query wins over an older one still in flight

async function load(event) {
  event?.preventDefault();
  const current = ++generation;
  const learnerId = $("learner").value.trim();
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

for (let i = 1; i <= 50; i++) $("learners").append(el("option", { value: `L${String(i).padStart(4, "0")}` }));
$("learner-form").addEventListener("submit", load);
$("sign-in").addEventListener("click", () => signIn().catch((error) => { $("status").textContent = error.message; }));
$("sign-out").addEventListener("click", () => { sessionStorage.removeItem("access_token"); showSignedIn(); $("status").textContent = "已退出 Signed out."; });
completeSignIn()
  .then(() => { if (showSignedIn()) load(); else $("status").textContent = "请先登录 Please sign in to see a profile."; })
  .catch((error) => { showSignedIn(); $("status").className = "error"; $("status").textContent = error.message; });
