// Numbers, durations and instants as people read them, in the viewer's locale.
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
export function nextDay(day) {
  const d = new Date(day + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

// An ISO instant in the viewer's zone, or in `zone` when given.
export function instant(iso, zone) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'short', timeZone: zone || undefined}).format(d);
}

export const stateName = (s) => (s ? s.replace(/_/g, ' ') : '–');
