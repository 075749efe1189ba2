// Numbers, durations and instants as people read them, in the viewer's locale; instants on the
// rules' zone's clock (showTimesIn).
const integer = new Intl.NumberFormat(undefined, {maximumFractionDigits: 0});

export const count = (n) => (n === null || n === undefined ? '–' : integer.format(n));

// 5400000 -> "1 h 30 min": the largest unit and the next one when it is not zero.
export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const units = [['d', 86400000], ['h', 3600000], ['min', 60000], ['s', 1000]];
  for (let k = 0; k < units.length; ++k) {
    const n = Math.floor(ms / units[k][1]);
    if (n === 0) continue;
    const parts = [`${integer.format(n)} ${units[k][0]}`];
    if (k + 1 < units.length) {
      const m = Math.floor((ms - n * units[k][1]) / units[k + 1][1]);
      if (m > 0) parts.push(`${m} ${units[k + 1][0]}`);
    }
    return parts.join(' ');
  }
  return '0 s';
}

export const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

// Today in `zone`, as YYYY-MM-DD; the day after `day` (YYYY-MM-DD).
export const today = (zone) => new Intl.DateTimeFormat('en-CA', {timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit'}).format(new Date());
// The instant (ms) at which `zone`'s clock reads `local` (YYYY-MM-DDTHH:MM, or with :SS, as a
// datetime-local input gives it), or NaN: the same reading in UTC moved by the zone's offset,
// found twice so a time next to a change of offset comes out right.
export function wallClock(local, zone) {
  const offset = (t) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {timeZone: zone, hourCycle: 'h23', year: 'numeric',
      month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'}).formatToParts(new Date(t))
      .map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - t;
  };
  const utc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local) ? Date.parse(local + 'Z') : NaN;
  if (Number.isNaN(utc)) return NaN;
  const guess = utc - offset(utc);
  return utc - offset(guess);
}
// The instant (ms) at which `day` (YYYY-MM-DD) begins in `zone`.
export const dayStart = (day, zone) => wallClock(day + 'T00:00:00', zone);

export function nextDay(day) {
  const d = new Date(day + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

// The zone every wall-clock time of the console is shown in: the rules' zone (GET
// /v1/admin/rules' `timezone`, the zone the reports' intervals use), which app.js sets once it
// has read the ruleset in force, or for an agent's token (which reads no ruleset) from GET
// /v1/me's `timezone`, the server's same zone; the viewer's own only while neither answered.
// Each place showing a time names it.
// A zone this browser's time-zone data does not know (a name newer than its data, or one the
// rules accept and browsers do not, e.g. "Factory") cannot format a time: the viewer's own zone
// is used instead, and zoneNote() says so for the header rather than every page failing.
let shownZone = null, unknownZone = null;
export function showTimesIn(zone) {
  shownZone = unknownZone = null;
  if (!zone) return;
  if (knownZone(zone)) shownZone = zone;
  else unknownZone = zone;
}
// Whether this browser can show times in `zone`.
export function knownZone(zone) {
  try {
    new Intl.DateTimeFormat(undefined, {timeZone: zone});
    return true;
  } catch {
    return false;
  }
}
export const timeZone = () => shownZone || viewerZone();
// `zone` where this browser can show times in it, else the viewer's own.
export const showable = (zone) => (knownZone(zone) ? zone : viewerZone());
// The header's words for the rules' zone: its name, or why times are in the viewer's zone.
export const zoneNote = () =>
  unknownZone ? `rules' zone ${unknownZone} unknown to this browser: times in ${viewerZone()}` : `rules' zone ${timeZone()}`;

// An ISO instant as the shown zone's clock reads it (or `zone`'s), without the zone's name: for
// a place that names it once (a column's header, a caption). A page that shows times after an
// answer of its own passes the zone it began with, so that one view keeps one zone even when a
// hot reload changes the rules' meanwhile (each place names its zone).
export function instant(iso, zone = timeZone()) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'short', timeZone: zone}).format(d);
}
// The same with the zone's name after it: "Dec 7, 2026, 3:45 PM Europe/Berlin".
export const zoned = (iso, zone = timeZone()) => (iso ? `${instant(iso, zone)} ${zone}` : instant(iso, zone));
// Now on the shown zone's clock, with its name: "14:45:03 Europe/Berlin".
export const clock = (now = new Date()) =>
  `${new Intl.DateTimeFormat(undefined, {timeStyle: 'medium', timeZone: timeZone()}).format(now)} ${timeZone()}`;

export const stateName = (s) => (s ? s.replace(/_/g, ' ') : '–');
