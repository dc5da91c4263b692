// raceday's page: the racing day (meetings, races, countdowns) and one race (runners, pools,
// and uPlot charts of fixed win odds and hold % over time). It reads the dashboard API of the
// process that serves it, and nothing else. Times are shown in New Zealand time.
//
// URL: /?date=YYYY-MM-DD&race=<race id>  (date defaults to today in Pacific/Auckland).

const NZ = "Pacific/Auckland";
const DAY_REFRESH_MS = 60_000;
const RACE_REFRESH_MS = 15_000;
const TIMELINE_PAGE = 500;
const TIMELINE_MAX_PAGES = 20;
const FINISHED = new Set(["final", "finalized", "finalised", "interim", "abandoned", "cancelled", "canceled", "official", "resulted"]);
const PALETTE = [
  "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
  "#bcbd22", "#7f7f7f", "#393b79", "#ad494a", "#637939", "#e7ba52", "#7b4173", "#3182bd",
  "#e6550d", "#31a354", "#756bb1", "#636363",
];

const nzDate = new Intl.DateTimeFormat("en-CA", { timeZone: NZ, year: "numeric", month: "2-digit", day: "2-digit" });
const nzTime = new Intl.DateTimeFormat("en-NZ", { timeZone: NZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const nzClock = new Intl.DateTimeFormat("en-NZ", { timeZone: NZ, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
const dollars = new Intl.NumberFormat("en-NZ", { maximumFractionDigits: 0 });

const $ = (id) => document.getElementById(id);

const state = {
  date: null,           // "YYYY-MM-DD"
  meetings: [],         // each with .races
  raceId: null,
  race: null,           // the selected race as the API last gave it
  raceToken: 0,         // bumped on every selection: answers for an older one are dropped
  raceLoading: null,    // the token of the load in flight, so refreshes do not pile up
  timeline: new Map(),  // document id -> document, for the selected race
  nextCreatedAt: null,
  charts: { odds: null, hold: null, entrantIds: [], raceId: null },
  errors: new Map(),    // what -> message; shown on the status line
};
window.racedayCharts = state.charts;

// ---- the API ------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET /api/<path> with query `params`; the parsed JSON, or null for a 404 (no such thing yet). */
async function api(path, params = {}) {
  const url = new URL(`/api/${path}`, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
  }
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (response.status === 404) return null;
  const type = response.headers.get("content-type") || "";
  const body = type.includes("application/json") ? await response.json() : null;
  if (!response.ok) {
    throw new ApiError(response.status, (body && body.error) || `${response.status} ${response.statusText}`);
  }
  return body;
}

/** Every timeline document of a race after `createdAfter` (all of them when null), paged. */
async function fetchTimeline(raceId, entrantIds, createdAfter) {
  const documents = [];
  let cursor = null;
  let nextCreatedAt = createdAfter;
  for (let page = 0; page < TIMELINE_MAX_PAGES; page++) {
    const body = await api("money-flow-timeline", {
      race_id: raceId,
      entrants: entrantIds.join(","),
      pool_type: "win",
      limit: TIMELINE_PAGE,
      cursor_after: cursor,
      created_after: createdAfter,
    });
    if (!body) break;
    documents.push(...(body.documents || []));
    if (body.next_created_at) nextCreatedAt = body.next_created_at;
    cursor = body.next_cursor || null;
    if (!cursor) break;
  }
  return { documents, nextCreatedAt };
}

// ---- small helpers ------------------------------------------------------------------------

/** An element with a class, text and children: no HTML strings, so no data is ever markup. */
function el(tag, { cls, text, data, title } = {}, children = []) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (title) node.title = title;
  for (const [key, value] of Object.entries(data || {})) node.dataset[key] = value;
  for (const child of children) if (child) node.append(child);
  return node;
}

const todayInNz = () => nzDate.format(new Date());
const timeOf = (iso) => (iso ? nzTime.format(new Date(iso)) : "—");
const isFinished = (status) => FINISHED.has(String(status || "").toLowerCase());
const statusClass = (status) => `badge status-${String(status || "unknown").toLowerCase().replace(/[^a-z]/g, "")}`;
const odds = (value) => (typeof value === "number" ? value.toFixed(2) : "—");
const percent = (value) => (typeof value === "number" ? value.toFixed(1) : "—");
const money = (cents, currency = "$") => (typeof cents === "number" ? `${currency}${dollars.format(Math.round(cents / 100))}` : "—");

function countdownText(startMs, status, now = Date.now()) {
  if (isFinished(status)) return "";
  if (!Number.isFinite(startMs)) return "";
  const seconds = Math.round((startMs - now) / 1000);
  const size = Math.abs(seconds);
  const h = Math.floor(size / 3600);
  const m = Math.floor((size % 3600) / 60);
  const s = size % 60;
  const clock = h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}` : `${m}:${String(s).padStart(2, "0")}`;
  return seconds >= 0 ? `in ${clock}` : `${clock} ago`;
}

function countdown(race) {
  return el("span", {
    cls: "countdown",
    data: { start: String(Date.parse(race.start_time)), status: race.status || "" },
  });
}

function tickCountdowns() {
  const now = Date.now();
  for (const node of document.querySelectorAll(".countdown")) {
    const text = countdownText(Number(node.dataset.start), node.dataset.status, now);
    node.textContent = text;
    node.classList.toggle("soon", text.startsWith("in ") && Number(node.dataset.start) - now < 5 * 60_000);
  }
  $("clock").textContent = `NZ ${nzClock.format(new Date(now))}`;
}

function showStatus() {
  const line = $("status");
  if (state.errors.size > 0) {
    line.textContent = [...state.errors.values()].join(" · ");
    line.classList.add("error");
  } else {
    line.textContent = `Updated ${nzClock.format(new Date())} NZ`;
    line.classList.remove("error");
  }
}

function noteError(what, error) {
  state.errors.set(what, `${what}: ${error.message || error}`);
  console.warn(what, error); // a warning, not an error: the page keeps its last good data
}

// ---- the day ------------------------------------------------------------------------------

async function loadDay() {
  try {
    const meetings = (await api("meetings", { date: state.date })) || [];
    await Promise.all(meetings.map(async (meeting) => {
      try {
        meeting.races = (await api("races", { meeting_id: meeting.meeting_id })) || [];
        state.errors.delete(`races of ${meeting.meeting_name}`);
      } catch (error) {
        meeting.races = [];
        noteError(`races of ${meeting.meeting_name}`, error);
      }
    }));
    meetings.sort((a, b) => firstStart(a) - firstStart(b));
    state.meetings = meetings;
    state.errors.delete("meetings");
    renderDay();
  } catch (error) {
    noteError("meetings", error);
  }
  showStatus();
}

function firstStart(meeting) {
  const starts = (meeting.races || []).map((race) => Date.parse(race.start_time)).filter(Number.isFinite);
  const first = starts.length ? Math.min(...starts) : Date.parse(meeting.first_race_time);
  return Number.isFinite(first) ? first : Infinity;
}

function renderDay() {
  $("day-title").textContent = `Meetings of ${state.date}`;
  const list = $("meetings");
  if (state.meetings.length === 0) {
    list.replaceChildren(el("p", { cls: "empty", text: "No meetings on this day." }));
    return;
  }
  list.replaceChildren(...state.meetings.map(renderMeeting));
  if (state.race && state.race.race_id === state.raceId) renderRaceHead(state.race);
  tickCountdowns();
}

function renderMeeting(meeting) {
  const races = [...(meeting.races || [])].sort((a, b) => (a.race_number ?? 0) - (b.race_number ?? 0));
  const facts = [meeting.country, meeting.race_type].filter(Boolean).join(" · ");
  return el("article", { cls: "meeting", data: { meetingId: meeting.meeting_id } }, [
    el("header", { cls: "meeting-head" }, [
      el("h3", { cls: "meeting-name", text: meeting.meeting_name }),
      el("span", { cls: "meeting-facts", text: facts }),
      el("span", { cls: statusClass(meeting.status), text: meeting.status || "" }),
    ]),
    el("ol", { cls: "races" }, races.map((race) => renderRaceRow(race))),
  ]);
}

function renderRaceRow(race) {
  const button = el("button", {
    cls: race.race_id === state.raceId ? "race-row selected" : "race-row",
    data: { raceId: race.race_id },
    title: race.name,
  }, [
    el("span", { cls: "race-number", text: `R${race.race_number ?? "?"}` }),
    el("span", { cls: "race-time", text: timeOf(race.start_time) }),
    el("span", { cls: "race-name", text: race.name || "Unnamed race" }),
    el("span", { cls: statusClass(race.status), text: race.status || "" }),
    countdown(race),
  ]);
  button.addEventListener("click", () => selectRace(race.race_id));
  return el("li", {}, [button]);
}

// ---- one race -----------------------------------------------------------------------------

function selectRace(raceId) {
  state.raceId = raceId;
  state.raceToken += 1;
  state.race = null;
  state.timeline = new Map();
  state.nextCreatedAt = null;
  destroyCharts();
  const url = new URL(window.location.href);
  url.searchParams.set("race", raceId);
  window.history.replaceState(null, "", url);
  for (const row of document.querySelectorAll(".race-row")) {
    row.classList.toggle("selected", row.dataset.raceId === raceId);
  }
  $("race").classList.remove("hidden");
  loadRace();
}

async function loadRace() {
  const raceId = state.raceId;
  const token = state.raceToken;
  if (!raceId || state.raceLoading === token) return;
  state.raceLoading = token;
  try {
    const [race, entrants, pools] = await Promise.all([
      api(`races/${encodeURIComponent(raceId)}`),
      api("entrants", { race_id: raceId }),
      api("race-pools", { race_id: raceId }),
    ]);
    if (token !== state.raceToken) return;
    if (!race) throw new ApiError(404, `race ${raceId} not found`);
    const runners = entrants || [];
    const { documents, nextCreatedAt } = await fetchTimeline(
      raceId, runners.map((r) => r.entrant_id), state.nextCreatedAt);
    if (token !== state.raceToken) return;
    for (const doc of documents) state.timeline.set(doc.id, doc);
    state.nextCreatedAt = nextCreatedAt;
    renderRace(race, runners, pools);
    state.errors.delete("race");
  } catch (error) {
    if (token === state.raceToken) noteError("race", error);
  } finally {
    if (state.raceLoading === token) state.raceLoading = null;
  }
  showStatus();
}

function meetingOf(race) {
  return state.meetings.find((meeting) => meeting.meeting_id === race.meeting_id);
}

function renderRace(race, runners, pools) {
  state.race = race;
  renderRaceHead(race);
  renderRunners(runners);
  renderPools(pools);
  renderCharts(runners);
  tickCountdowns();
}

/** The race's title and facts; drawn again when the day arrives (it names the meeting). */
function renderRaceHead(race) {
  const meeting = meetingOf(race);
  $("race-title").textContent = `${meeting ? `${meeting.meeting_name} ` : ""}R${race.race_number ?? "?"} · ${race.name || "Unnamed race"}`;
  const facts = [
    `Start ${timeOf(race.start_time)} NZ`,
    race.distance ? `${race.distance} m` : null,
    race.track_condition,
    race.weather,
  ].filter(Boolean).join(" · ");
  $("race-meta").replaceChildren(
    el("span", { text: facts }),
    el("span", { cls: statusClass(race.status), text: race.status || "" }),
    countdown(race),
  );
}

/** The latest fixed odds per runner in the timeline, for runners whose own odds are missing. */
function latestOdds() {
  const latest = new Map();
  for (const doc of state.timeline.values()) {
    const at = Date.parse(doc.polling_timestamp || doc.created_at);
    const seen = latest.get(doc.entrant_id);
    if (typeof doc.fixed_win_odds === "number" && (!seen || at >= seen.at)) {
      latest.set(doc.entrant_id, { at, win: doc.fixed_win_odds, place: doc.fixed_place_odds });
    }
  }
  return latest;
}

function renderRunners(runners) {
  const latest = latestOdds();
  const rows = runners.map((runner) => {
    const fallback = latest.get(runner.entrant_id) || {};
    return el("tr", { cls: runner.is_scratched ? "scratched" : "", data: { entrantId: runner.entrant_id } }, [
      el("td", { cls: "num", text: runner.runner_number }),
      el("td", { text: runner.is_scratched ? `${runner.name} (scratched)` : runner.name }),
      el("td", { cls: "num", text: odds(runner.win_odds ?? fallback.win) }),
      el("td", { cls: "num", text: odds(runner.place_odds ?? fallback.place) }),
      el("td", { cls: "num", text: percent(runner.hold_percentage) }),
    ]);
  });
  const body = $("runners").tBodies[0];
  body.replaceChildren(...(rows.length ? rows : [el("tr", {}, [el("td", { text: "No runners.", cls: "empty" })])]));
}

function renderPools(pools) {
  const body = $("pools").tBodies[0];
  if (!pools) {
    body.replaceChildren(el("tr", {}, [el("td", { cls: "empty", text: "No pool data available." })]));
    return;
  }
  const currency = typeof pools.currency === "string" && pools.currency ? pools.currency : "$";
  const names = [
    ["Win", "win_pool_total"], ["Place", "place_pool_total"], ["Quinella", "quinella_pool_total"],
    ["Trifecta", "trifecta_pool_total"], ["Exacta", "exacta_pool_total"], ["First 4", "first4_pool_total"],
    ["Total", "total_race_pool"],
  ];
  body.replaceChildren(...names
    .filter(([, key]) => typeof pools[key] === "number")
    .map(([label, key]) => el("tr", { cls: key === "total_race_pool" ? "total" : "" }, [
      el("th", { text: label }),
      el("td", { cls: "num", text: money(pools[key], currency), data: { pool: key } }),
    ])));
}

// ---- charts -------------------------------------------------------------------------------

/** uPlot's aligned data for one field: [x seconds, one array per runner], null where a runner
 * has no value at that poll. Also the runners, in series order. */
function chartData(runners, field) {
  const byRunner = new Map(runners.map((runner) => [runner.entrant_id, new Map()]));
  const times = new Set();
  for (const doc of state.timeline.values()) {
    const series = byRunner.get(doc.entrant_id);
    const at = Date.parse(doc.polling_timestamp || doc.created_at) / 1000;
    if (!series || !Number.isFinite(at) || typeof doc[field] !== "number") continue;
    series.set(at, doc[field]);
    times.add(at);
  }
  const xs = [...times].sort((a, b) => a - b);
  const plotted = runners.filter((runner) => byRunner.get(runner.entrant_id).size > 0);
  const ys = plotted.map((runner) => xs.map((x) => byRunner.get(runner.entrant_id).get(x) ?? null));
  return { data: [xs, ...ys], runners: plotted };
}

function chartOptions(container, runners, { yLabel, log }) {
  return {
    width: Math.max(320, container.clientWidth),
    height: 280,
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), NZ),
    scales: { x: { time: true }, y: log ? { distr: 3 } : {} },
    axes: [
      { values: (u, splits) => splits.map((seconds) => nzTime.format(new Date(seconds * 1000))) },
      { label: yLabel },
    ],
    series: [
      { label: "NZ time", value: (u, seconds) => (seconds == null ? "--" : nzClock.format(new Date(seconds * 1000))) },
      ...runners.map((runner, i) => ({
        label: `${runner.runner_number} ${runner.name}`,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        spanGaps: true,
        points: { size: 4 },
      })),
    ],
  };
}

/** Draw or update one chart: setData in place while the runners are the same ones. */
function drawChart(key, containerId, runners, field, options) {
  const container = $(containerId);
  const { data, runners: plotted } = chartData(runners, field);
  const ids = plotted.map((runner) => runner.entrant_id);
  const chart = state.charts[key];
  const sameSeries = chart && chart.racedayIds.join() === ids.join();
  if (data[0].length === 0) {
    if (chart) chart.destroy();
    state.charts[key] = null;
    container.replaceChildren(el("p", { cls: "empty", text: "No history yet for this race." }));
    return ids;
  }
  if (sameSeries) {
    chart.setData(data);
    return ids;
  }
  if (chart) chart.destroy();
  container.replaceChildren();
  const made = new uPlot(chartOptions(container, plotted, options), data, container);
  made.racedayIds = ids; // which runner each series is (tests and debugging read these)
  made.racedayColors = plotted.map((_, i) => PALETTE[i % PALETTE.length]);
  state.charts[key] = made;
  return ids;
}

function renderCharts(runners) {
  state.charts.entrantIds = drawChart("odds", "odds-chart", runners, "fixed_win_odds", { yLabel: "odds", log: true });
  state.charts.holdEntrantIds = drawChart("hold", "hold-chart", runners, "hold_percentage", { yLabel: "hold %", log: false });
  state.charts.raceId = state.raceId;
}

function destroyCharts() {
  for (const key of ["odds", "hold"]) {
    if (state.charts[key]) state.charts[key].destroy();
    state.charts[key] = null;
  }
  state.charts.entrantIds = [];
  state.charts.holdEntrantIds = [];
  state.charts.raceId = null;
}

function resizeCharts() {
  for (const [key, id] of [["odds", "odds-chart"], ["hold", "hold-chart"]]) {
    const chart = state.charts[key];
    if (chart) chart.setSize({ width: Math.max(320, $(id).clientWidth), height: 280 });
  }
}

// ---- start --------------------------------------------------------------------------------

/** Run `task` now and then every `ms`, never two at once. */
function every(ms, task) {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try { await task(); } finally { running = false; }
  };
  run();
  return setInterval(run, ms);
}

function start() {
  const params = new URLSearchParams(window.location.search);
  const asked = params.get("date");
  state.date = asked && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? asked : todayInNz();
  const input = $("day-input");
  input.value = state.date;
  input.addEventListener("change", () => {
    if (!input.value) return;
    const url = new URL(window.location.href);
    url.searchParams.set("date", input.value);
    url.searchParams.delete("race");
    window.location.assign(url);
  });
  every(DAY_REFRESH_MS, loadDay);
  const raceId = params.get("race");
  if (raceId) selectRace(raceId);
  setInterval(() => { if (state.raceId) loadRace(); }, RACE_REFRESH_MS);
  setInterval(tickCountdowns, 1000);
  window.addEventListener("resize", resizeCharts);
  tickCountdowns();
}

start();
