/** Dependency-free SVG charts for the benchmark results. */
const COLORS = { raw: '#9e9e9e', ours: '#1565c0', 'ours-ckpt': '#64b5f6', 'aws-kcl': '#ef6c00', kclpy: '#2e7d32', ceiling: '#000000' };
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmtK = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${Math.round(x / 1e3)}k` : `${Math.round(x)}`);

/** records/s by shape: one panel per shape (own scale), a bar per child, ratio to the raw limit on each bar. */
export function throughputSvg(result) {
  const kinds = result.kinds.map((k) => k.id).filter((id) => id !== 'ceiling');
  const panelW = 250;
  const barW = Math.floor((panelW - 40) / kinds.length);
  const plotH = 260;
  const top = 60;
  const W = panelW * result.shapes.length + 20;
  const H = top + plotH + 90;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">records/s by batch shape (median of ${result.reps}); label: ratio to the raw Node limit</text>`);
  out.push(`<text x="10" y="38" fill="#555">${esc(`${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}, ${result.date.slice(0, 10)}`)}; dashed line: driver ceiling (child answers status only)</text>`);
  result.shapes.forEach((shape, p) => {
    const s = result.throughput.summary[shape.id];
    const x0 = 10 + p * panelW + 30;
    const ceiling = s.ceiling?.recordsPerSec;
    const max = Math.max(...kinds.map((k) => s[k].recordsPerSec), ceiling ?? 0) * 1.1;
    const y = (v) => top + plotH - (v / max) * plotH;
    out.push(`<line x1="${x0}" y1="${top + plotH}" x2="${x0 + barW * kinds.length}" y2="${top + plotH}" stroke="#333"/>`);
    out.push(`<text x="${x0 + (barW * kinds.length) / 2}" y="${top + plotH + 18}" text-anchor="middle" font-weight="bold">${esc(shape.id)}</text>`);
    kinds.forEach((k, i) => {
      const v = s[k].recordsPerSec;
      const ratio = s.raw ? v / s.raw.recordsPerSec : NaN;
      const bx = x0 + i * barW + 2;
      out.push(`<rect x="${bx}" y="${y(v).toFixed(1)}" width="${barW - 4}" height="${(top + plotH - y(v)).toFixed(1)}" fill="${COLORS[k] ?? '#777'}"><title>${esc(`${k}: ${Math.round(v)} records/s`)}</title></rect>`);
      out.push(`<text x="${bx + (barW - 4) / 2}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${Number.isNaN(ratio) ? '' : `${ratio.toFixed(2)}×`}</text>`);
      out.push(`<text x="${bx + (barW - 4) / 2}" y="${top + plotH + 32}" text-anchor="middle" font-size="9" fill="#555">${fmtK(v)}</text>`);
    });
    if (ceiling) out.push(`<line x1="${x0}" y1="${y(ceiling).toFixed(1)}" x2="${x0 + barW * kinds.length}" y2="${y(ceiling).toFixed(1)}" stroke="#000" stroke-dasharray="4 3"/><text x="${x0}" y="${(y(ceiling) - 3).toFixed(1)}" font-size="9">${fmtK(ceiling)}</text>`);
  });
  const ly = top + plotH + 55;
  const labels = Object.fromEntries(result.kinds.map((k) => [k.id, k.label]));
  kinds.forEach((k, i) => {
    const lx = 10 + (i % 3) * 330;
    const yy = ly + Math.floor(i / 3) * 16;
    out.push(`<rect x="${lx}" y="${yy - 9}" width="10" height="10" fill="${COLORS[k] ?? '#777'}"/><text x="${lx + 14}" y="${yy}">${esc(`${k}: ${labels[k]}`)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** RSS per idle child against the number of children at once. */
export function fleetSvg(result) {
  const kinds = Object.keys(result.fleet);
  const ns = Object.keys(result.fleet[kinds[0]]).map(Number);
  const W = 560;
  const H = 340;
  const L = 60;
  const T = 50;
  const PW = 340;
  const PH = 230;
  const maxY = Math.max(...kinds.flatMap((k) => ns.map((n) => result.fleet[k][n].rssPerChildMB))) * 1.15;
  const x = (i) => L + (ns.length === 1 ? PW / 2 : (i / (ns.length - 1)) * PW);
  const y = (v) => T + PH - (v / maxY) * PH;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">RSS per idle child (after initialize) vs children at once</text>`);
  out.push(`<line x1="${L}" y1="${T + PH}" x2="${L + PW}" y2="${T + PH}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${T + PH}" stroke="#333"/>`);
  for (let v = 0; v <= maxY; v += 10) out.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text><line x1="${L}" y1="${y(v)}" x2="${L + PW}" y2="${y(v)}" stroke="#eee"/>`);
  out.push(`<text x="14" y="${T + PH / 2}" transform="rotate(-90 14 ${T + PH / 2})" text-anchor="middle">MB per child</text>`);
  ns.forEach((n, i) => out.push(`<text x="${x(i)}" y="${T + PH + 16}" text-anchor="middle">${n}</text>`));
  out.push(`<text x="${L + PW / 2}" y="${T + PH + 34}" text-anchor="middle">children at once</text>`);
  kinds.forEach((k, j) => {
    const c = k === 'ceiling' ? '#000' : COLORS[k] ?? '#777';
    const pts = ns.map((n, i) => `${x(i)},${y(result.fleet[k][n].rssPerChildMB).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`);
    ns.forEach((n, i) => out.push(`<circle cx="${x(i)}" cy="${y(result.fleet[k][n].rssPerChildMB).toFixed(1)}" r="3" fill="${c}"/>`));
    const name = k === 'ceiling' ? 'bare node (reads stdin, answers status)' : k;
    out.push(`<rect x="${L + PW + 20}" y="${T + j * 18}" width="10" height="10" fill="${c}"/><text x="${L + PW + 34}" y="${T + j * 18 + 9}">${esc(name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
