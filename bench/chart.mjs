// The results chart: per workload, each system's time as a ratio to native on a log scale.
// Plain SVG text from the rows of a results file; no dependency.

const COLORS = { "qemu-user": "#4e79a7", wasl: "#e15759", "vm-kvm": "#59a14f", "vm-tcg": "#f28e2b" };
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** rows: the results rows; primary(workload) → the unit to compare ("ns/call" or "s"). */
export function chartSvg({ machine, rows, primary }) {
  const groups = [];
  for (const w of [...new Set(rows.map((r) => r.workload))]) {
    if (w === "vm.echo-hi.printed") continue; // the exited row says the same thing
    const u = primary(w);
    const native = rows.find((r) => r.workload === w && r.system === "native" && r.unit === u);
    if (!native) continue;
    const bars = rows.filter((r) => r.workload === w && r.unit === u && r.system !== "native")
      .map((r) => ({ system: r.system, ratio: r.median / native.median }));
    if (bars.length) groups.push({ workload: w, bars });
  }
  const all = groups.flatMap((g) => g.bars.map((b) => b.ratio));
  const lo = Math.min(0, Math.floor(Math.log10(Math.min(1, ...all))));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(10, ...all))));
  const left = 210, plotW = 560, barH = 11, gap = 12, top = 56;
  const x = (ratio) => left + ((Math.log10(ratio) - lo) / (hi - lo)) * plotW;
  let y = top;
  const body = [];
  for (const g of groups) {
    const h = g.bars.length * barH;
    body.push(`<text x="${left - 8}" y="${y + h / 2 + 4}" text-anchor="end">${esc(g.workload)}</text>`);
    for (const b of g.bars) {
      const x0 = x(1), x1 = x(b.ratio);
      body.push(`<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${barH - 2}" fill="${COLORS[b.system] ?? "#999"}"><title>${esc(`${g.workload} ${b.system}: ${b.ratio.toPrecision(3)}× native`)}</title></rect>`);
      body.push(`<text x="${(Math.max(x0, x1) + 3).toFixed(1)}" y="${y + barH - 3}" class="v">${b.ratio < 10 ? b.ratio.toPrecision(2) : b.ratio.toFixed(0)}×</text>`);
      y += barH;
    }
    y += gap;
  }
  const height = y + 40;
  const axis = [];
  for (let e = lo; e <= hi; e++) {
    const xv = x(10 ** e);
    axis.push(`<line x1="${xv}" y1="${top - 6}" x2="${xv}" y2="${y - gap + 4}" class="${e === 0 ? "one" : "grid"}"/>`);
    axis.push(`<text x="${xv}" y="${y + 8}" text-anchor="middle" class="v">${e < 0 ? (10 ** e).toFixed(-e) : 10 ** e}×</text>`);
  }
  const systems = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.system)))];
  const legend = systems.map((s, i) => `<rect x="${left + i * 110}" y="${top - 30}" width="10" height="10" fill="${COLORS[s] ?? "#999"}"/><text x="${left + i * 110 + 14}" y="${top - 21}">${esc(s)}</text>`);
  const title = `wasl benchmarks: time relative to native (log scale, lower is better)`;
  const sub = `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date.slice(0, 10)}${machine.quick ? ", --quick" : ""}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 60}" height="${height}" viewBox="0 0 ${left + plotW + 60} ${height}" font-family="sans-serif" font-size="11">
<style>.grid{stroke:#ddd}.one{stroke:#333}.v{font-size:9px;fill:#444}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="16" font-size="13" font-weight="bold">${esc(title)}</text>
<text x="10" y="${height - 10}" class="v">${esc(sub)}</text>
${legend.join("\n")}
${axis.join("\n")}
${body.join("\n")}
</svg>
`;
}
